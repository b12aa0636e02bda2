"""Address classification, pure: each case named after the address an attacker would aim at."""

from __future__ import annotations

import pytest

from datagouv_mcp.upstream.addresses import classify_address, parse_address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.170.2", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("100.127.255.254", "shared (carrier-grade NAT)"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    assert classify_address(address) == reason


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1"],
)
def test_every_loopback_form_is_refused(address: str) -> None:
    assert classify_address(address) == "loopback"


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 wrapping 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo client 10.0.0.1
    ],
)
def test_ipv4_smuggled_inside_ipv6_is_refused(address: str, embedded: str) -> None:
    reason = classify_address(address)
    assert reason is not None
    assert reason.startswith(embedded)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "193.51.224.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert classify_address(address) is None


def test_names_are_not_addresses() -> None:
    assert parse_address("www.data.gouv.fr") is None
    assert classify_address("www.data.gouv.fr") == "not an IP address"


def test_decimal_and_octal_hosts_are_names_to_be_resolved_not_addresses() -> None:
    # The resolver turns them into dotted addresses, which are then classified.
    assert parse_address("2130706434") is None
    assert parse_address("0177.0.0.1") is None
