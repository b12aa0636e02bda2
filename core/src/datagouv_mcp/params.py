"""Building blocks for tool arguments: plain published schemas, and id checks."""

from __future__ import annotations

import re
import uuid

from pydantic import WithJsonSchema

from datagouv_mcp.errors import InvalidArgumentError

# An optional argument typed `str | None` publishes `anyOf: [string, null]`, which some clients
# reject; clients of the official server send null. Accept null, publish a plain string.
NULLABLE_STRING = WithJsonSchema({"type": "string"})
NULLABLE_INTEGER = WithJsonSchema({"type": "integer"})

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
# udata slugs are slugified titles: lower-case ASCII letters, digits and dashes.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,348}[a-z0-9])?")
SLUG_MAX = 350


def nullable_enum(values: list[str]) -> WithJsonSchema:
    """A plain string schema listing the allowed values; null still accepted."""
    return WithJsonSchema({"type": "string", "enum": values})


def is_object_id(value: str) -> bool:
    return OBJECT_ID.fullmatch(value) is not None


def object_id_or_slug(value: str, noun: str, hint: str) -> str:
    """A dataset, organization or dataservice id: a 24-hex ObjectId or a slug, canonical.

    Refused before any upstream call, a malformed value (a title, a URL, `../x`) gets a clear
    message instead of a confusing 404, and can never reach another route of the API.
    """
    cleaned = value.strip()
    if is_object_id(cleaned):
        return cleaned.lower()
    if SLUG.fullmatch(cleaned.lower()):
        # udata slugifies what it is given before looking a slug up: so do we.
        return cleaned.lower()
    shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
    if "/" in cleaned:
        reason = "it contains '/': pass the last part of a page URL, not the URL"
    elif not cleaned:
        reason = "it is empty"
    else:
        reason = (
            "expected a 24-character hexadecimal id (e.g. 5c4ae55a634f4117716d5656) or a slug "
            f"(letters, digits and dashes, at most {SLUG_MAX} characters)"
        )
    raise InvalidArgumentError(f"Invalid {noun} ID {shown!r}: {reason}.", hint=hint)


def resource_uuid(value: str, hint: str = "Find resource ids with list_dataset_resources.") -> str:
    """A resource id: a UUID (any case, hyphens optional), in canonical form."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidArgumentError(
            f"Invalid resource ID {shown!r}: expected a UUID such as "
            "3f9b1f2e-6c1d-4c8e-9d2a-1b2c3d4e5f60.",
            hint=hint,
        ) from None
