"""Host rewriting: production URLs in served bodies become URLs on the stand-in itself.

Every JSON or text body leaves through `Rewriter.apply`, so following `next_page`,
`resources.href`, `latest`, `url` or tabular `links.next` stays on loopback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# (production prefix, path on the stand-in). The longest prefix wins; the replacement is
# joined to the stand-in's base URL, which is only known per request (from its Host).
PRODUCTION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("https://www.data.gouv.fr/api/", "/api/"),
    ("https://www.data.gouv.fr/", "/"),
    ("http://www.data.gouv.fr/", "/"),
    ("https://demo.data.gouv.fr/api/", "/api/"),
    ("https://demo.data.gouv.fr/", "/"),
    ("https://next.data.gouv.fr/api/", "/api/"),
    ("https://next.data.gouv.fr/", "/"),
    ("https://tabular-api.data.gouv.fr/api/", "/tabular/api/"),
    ("https://metric-api.data.gouv.fr/api/", "/metrics/api/"),
    ("https://crawler.data.gouv.fr/api/", "/crawler/api/"),
    ("https://static.data.gouv.fr/", "/static/"),
    ("http://static.data.gouv.fr/", "/static/"),
    # hydra's Parquet exports (analysis:parsing:parquet_url), both hosts seen in the corpus
    ("https://object.files.data.gouv.fr/hydra-parquet/hydra-parquet/", "/parquet/"),
    ("https://hydra.s3.rbx.io.cloud.ovh.net/parquet/", "/parquet/"),
)

# Generated objects that point at stand-in-only paths (/files/, /openapi/) are written with
# this origin, so they are rewritten like everything else.
STANDIN_ORIGIN = "https://standin.invalid"


class Rewriter:
    """Replaces known URL prefixes (and a few exact URLs) in one regex pass."""

    def __init__(self, exact_urls: Mapping[str, str] | None = None) -> None:
        table: dict[str, str] = dict(PRODUCTION_PREFIXES)
        table[STANDIN_ORIGIN + "/"] = "/"
        table.update(exact_urls or {})
        self._table = table
        # One alternation, longest first, so an exact URL beats the host prefix it starts with
        # and nothing is rewritten twice.
        keys = sorted(table, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(key) for key in keys))

    @property
    def table(self) -> Mapping[str, str]:
        return self._table

    def apply(self, text: str, base: str) -> str:
        """`text` with every known prefix replaced by `base` + its stand-in path."""
        return self._pattern.sub(lambda match: base + self._table[match.group(0)], text)

    def to_path(self, url: str) -> str | None:
        """The stand-in path a production URL maps to, or None if it stays external."""
        rewritten = self.apply(url, "")
        return rewritten if rewritten != url and rewritten.startswith("/") else None
