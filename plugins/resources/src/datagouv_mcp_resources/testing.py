"""Test helpers shipped with the plugin, for its tests and for third-party authors: the real
recorded bodies it reads (resources, Tabular profiles and pages, the crawler's and the
aggregation exceptions), Hypothesis strategies of files and JSON, and file writers.

Requires the `testing` extra (Hypothesis and datagouv-mcp-standin), not a runtime dependency.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from datagouv_mcp.links import SiteLinks
from datagouv_mcp_standin.corpus import recorded, recorded_bodies

F = TypeVar("F", bound=Callable[..., Any])

PROD_LINKS = SiteLinks(site="https://www.data.gouv.fr/", api="https://www.data.gouv.fr/api/")

__all__ = ["recorded"]


def resource_bodies() -> dict[str, Any]:
    """`/api/2/datasets/resources/{rid}/` answers (gares, gentilés, radars, tiers-lieux)."""
    return recorded_bodies("04_resource_v2")


def profile_bodies() -> dict[str, Any]:
    return {k: v for k, v in recorded_bodies("07_tabular").items() if "_profile_" in k}


def rows_bodies() -> dict[str, Any]:
    return {k: v for k, v in recorded_bodies("07_tabular").items() if "_data_" in k}


def crawler_exceptions_body() -> Any:
    return recorded("09_crawler_exceptions/www_crawler_resources-exceptions_trimmed_mcpts.json")


def aggregation_exceptions_body() -> Any:
    return recorded("07_tabular/www_tabular_aggregation-exceptions_mcpts.json")


def examples(bodies: dict[str, Any]) -> Callable[[F], F]:
    """Decorate a one-argument @given test with each body as an @example."""

    def apply(test: F) -> F:
        for body in bodies.values():
            test = example(body)(test)
        return test

    return apply


async def chunked(data: bytes, sizes: list[int]) -> AsyncIterator[bytes]:
    """`data` cut into pieces of the given sizes (cycled): chunk boundaries anywhere."""
    position, index = 0, 0
    while position < len(data):
        size = max(1, sizes[index % len(sizes)]) if sizes else len(data)
        yield data[position : position + size]
        position += size
        index += 1


def csv_bytes(
    header: list[str], rows: list[list[str]], delimiter: str, encoding: str, quoting: Any
) -> bytes:
    """A CSV file as a writer would produce it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


# -- strategies ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.just("[redacted]"),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
resource_ids = st.uuids().map(str)
# Cells a French CSV holds: accents, the delimiters and quotes, line breaks in quoted fields.
cells = st.text(alphabet=st.sampled_from(list("abcdeéèàçôÉ 0123456789,;|\t\"'\n-.")), max_size=12)
column_names = st.text(alphabet=st.sampled_from(list("abcdefgh_éè")), min_size=1, max_size=8)
