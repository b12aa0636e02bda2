"""Types of the model fields that hold values read from the catalogue: ids, links, dates.

A formatter prints these as they are (`ID: ...`, `URL: ...`, `Last modified: ...`), so what
they may hold is decided here, once, when a parser builds the model: a date that is not a
date reads as absent, an id keeps only the characters ids are made of, a link is an http(s)
URL without spaces or markup, else absent. Whatever a catalogue record holds, such a field
cannot carry a line break, a `<catalogue_text>` tag, or other text. Free text (titles,
descriptions) is the formatters' to fence, through `datagouv_mcp.text`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from datagouv_mcp import readers

LINK_MAX = 2000
_LINK = re.compile(r"(?:https?|ftp)://[^\s<>\"'`\\\x00-\x1f\x7f]+", re.IGNORECASE)


def identifier(value: Any) -> str:
    """An id or a slug reduced to the characters ids are made of (`readers.identifier`)."""
    return readers.identifier(value) or ""


def link(value: Any) -> str | None:
    """An http(s) or ftp URL without whitespace, quotes, markup or control characters; else
    None."""
    text = readers.filled(value)
    if text is None:
        return None
    text = text.strip()
    if len(text) > LINK_MAX or not _LINK.fullmatch(text):
        return None
    return text


Timestamp = Annotated[str | None, BeforeValidator(readers.timestamp)]
"""An ISO 8601 date or date-time from the catalogue, or None."""
Identifier = Annotated[str, BeforeValidator(identifier)]
"""An id or slug from the catalogue, reduced to the characters ids are made of."""
OptionalIdentifier = Annotated[str | None, BeforeValidator(readers.identifier)]
Link = Annotated[str | None, BeforeValidator(link)]
"""An http(s) URL from the catalogue, or None."""
