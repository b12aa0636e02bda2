"""Links to the configured portal's pages and permanent URLs. Pure.

Links are built from the configured site and API (never from a host written in a payload), so
a stand-in or the demo portal gives links that match the data it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


def _segment(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class SiteLinks:
    """`site` and `api` are base URLs ending with a slash, e.g. https://www.data.gouv.fr/."""

    site: str
    api: str

    def dataset(self, slug_or_id: str) -> str:
        return f"{self.site}datasets/{_segment(slug_or_id)}"

    def organization(self, slug_or_id: str) -> str:
        return f"{self.site}organizations/{_segment(slug_or_id)}"

    def dataservice(self, slug_or_id: str) -> str:
        return f"{self.site}dataservices/{_segment(slug_or_id)}"

    def reuse(self, slug_or_id: str) -> str:
        return f"{self.site}reuses/{_segment(slug_or_id)}"

    def latest(self, resource_id: str) -> str:
        """The permanent URL that redirects to a resource's current file."""
        return f"{self.api}1/datasets/r/{_segment(resource_id)}"
