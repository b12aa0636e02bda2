"""A real nginx for a test: the deployment's own configuration (`deploy/nginx/`, the file
compose.yaml mounts) on loopback, in front of replicas on loopback ports, run as whoever runs
the test, with every path it writes in a temporary folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from datagouv_mcp.testing.servers import free_port, wait_until_healthy

MISSING = "nginx is not installed (apt-get install nginx; .ci/run does)"


def nginx_command() -> str | None:
    """nginx's path (Debian puts it in /usr/sbin, not always on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def on_loopback(site: str, port: int, replicas: Sequence[int]) -> str:
    """The deployment's site configuration with its listen address and replica addresses
    (`server replica-N:8000 ...;`, in order) replaced by loopback ones."""
    site, listens = re.subn(r"listen\s+8080;", f"listen 127.0.0.1:{port};", site)
    servers = iter(replicas)

    def replica(match: re.Match[str]) -> str:
        return f"server 127.0.0.1:{next(servers)}"

    site, count = re.subn(r"server\s+replica-\d+:8000", replica, site)
    if listens != 1 or count != len(replicas):
        raise ValueError(
            f"expected one `listen 8080;` and {len(replicas)} `server replica-N:8000` lines"
        )
    return site


def main_config(folder: Path, site: Path) -> str:
    """nginx's main file for a test: no daemon, pid, logs and temporary files in `folder`."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    include {site};
}}
"""


@contextmanager
def nginx_proxy(site_file: Path, replicas: Sequence[int]) -> Iterator[str]:
    """nginx with `site_file` on a free loopback port in front of `replicas` (loopback
    ports); yields `http://127.0.0.1:<port>`. `config_test` checks a configuration alone."""
    command = nginx_command()
    if command is None:
        raise RuntimeError(MISSING)
    port = free_port()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        folder.chmod(0o755)  # as root, nginx's workers run as nobody and must reach it
        site = folder / "site.conf"
        site.write_text(on_loopback(site_file.read_text(), port, replicas))
        main = folder / "nginx.conf"
        main.write_text(main_config(folder, site))
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            [command, "-c", str(main), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process, "nginx", 10, lambda: process.communicate()[1])
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def config_test(site_file: Path, replicas: int = 2) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the deployment's site configuration, on loopback: exit status 0 when
    nginx accepts it."""
    command = nginx_command()
    if command is None:
        raise RuntimeError(MISSING)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        site = folder / "site.conf"
        site.write_text(on_loopback(site_file.read_text(), free_port(), [9] * replicas))
        main = folder / "nginx.conf"
        main.write_text(main_config(folder, site))
        return subprocess.run(  # noqa: S603 - a fixed command line of our own
            [command, "-t", "-c", str(main), "-p", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
