"""GET /metrics: the Prometheus metrics (`datagouv_mcp.meters`), for scrapers.

A scraper reaches each replica by its own address, not by the deployment's public name, and
carries no MCP token: the endpoint is not behind the Host and Origin check, the bearer token
or the per-client rate limit. It is restricted by the client's address instead
(`DATAGOUV_MCP_PROMETHEUS_ALLOWED_ADDRESSES`, loopback and private networks by default; the
client found as for the rate limit, through `DATAGOUV_MCP_TRUSTED_PROXIES`), and switched off
with `DATAGOUV_MCP_PROMETHEUS=false`. Scrapes are never tool calls: nothing reaches Matomo.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from datagouv_mcp import meters
from datagouv_mcp.clientlimits import client_address, networks
from datagouv_mcp.settings import CoreSettings

PATH = "/metrics"


class MetricsEndpoint:
    """The endpoint under the operator's settings: 404 when off, 403 to other addresses."""

    def __init__(self, settings: CoreSettings) -> None:
        self.enabled = settings.prometheus
        self.allowed = networks(settings.prometheus_allowed_addresses)
        self.trusted = networks(settings.trusted_proxies)

    def allows(self, client: str | None) -> bool:
        """Whether `client` (an address, or None when unknown) may scrape."""
        try:
            address = ipaddress.ip_address(client or "")
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed)

    async def respond(self, request: Request) -> Response:
        """The answer to one GET /metrics."""
        if not self.enabled:
            return PlainTextResponse(
                "Not Found: metrics are off on this server (DATAGOUV_MCP_PROMETHEUS=false).\n",
                404,
            )
        peer = request.client.host if request.client else None
        client = client_address(peer, request.headers.raw, self.trusted)
        if not self.allows(client):
            return PlainTextResponse(
                f"Forbidden: /metrics is not served to {client or 'an unknown address'}. "
                "The operator may add it to DATAGOUV_MCP_PROMETHEUS_ALLOWED_ADDRESSES.\n",
                403,
            )
        body, media_type = meters.render(request.headers.get("accept"))
        return Response(body, headers={"content-type": media_type})
