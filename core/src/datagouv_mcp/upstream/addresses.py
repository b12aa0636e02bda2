"""Which addresses an untrusted URL may reach, and a connection backend that enforces it.

The check runs on the addresses a name resolves to, at connection time, and the connection goes
to the address that was checked: a name cannot resolve to a public address for the check and a
private one for the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore

from datagouv_mcp.upstream.errors import BlockedURL, UpstreamUnavailable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack...
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def parse_address(text: str) -> IPAddress | None:
    """An IP literal as written in a URL (brackets, zone id allowed), or None for a name."""
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify_address(address: str | IPAddress) -> str | None:
    """Why this address must not be fetched from ("loopback", "private"...), or None if public."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = classify_address(embedded)
            return f"{reason} (IPv4 {embedded} inside IPv6)" if reason else None
    if ip in _METADATA:
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip in _SHARED:
        return "shared (carrier-grade NAT)"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address the system resolver gives for a name (IPv4 and IPv6)."""
    literal = parse_address(host)
    if literal is not None:
        return [str(literal)]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UpstreamUnavailable(
            f"Could not resolve the host name '{host}'.",
            hint="Check the URL; the host may not exist.",
        ) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def normalise_host(host: str) -> str:
    return host.strip().strip("[]").lower()


async def vet_host(
    host: str, port: int, resolver: Resolver, allowed_hosts: Iterable[str]
) -> Sequence[str]:
    """The addresses to connect to for host, or BlockedURL when any of them is not public.

    Hosts in `allowed_hosts` (as written in the URL) skip the check: the operator vouches."""
    name = normalise_host(host)
    addresses = await resolver(name, port)
    if name in {normalise_host(h) for h in allowed_hosts}:
        return addresses
    if not addresses:
        raise UpstreamUnavailable(f"The host name '{host}' resolves to no address.")
    for address in addresses:
        reason = classify_address(address)
        if reason is not None:
            shown = host if parse_address(host) is not None else f"{host} ({address})"
            raise BlockedURL(
                f"Refused to fetch from {shown}: {reason} addresses are not reachable "
                "through this server.",
                hint="Only files and documents on the public internet can be fetched.",
            )
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to vetted addresses, and to exactly the address that was vetted."""

    def __init__(
        self,
        resolver: Resolver,
        allowed_hosts: Iterable[str],
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allowed = tuple(allowed_hosts)
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await vet_host(host, port, self._resolver, self._allowed)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedURL("Refused to connect to a local socket.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
