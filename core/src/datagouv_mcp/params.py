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

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,254}$", re.IGNORECASE)


def nullable_enum(values: list[str]) -> WithJsonSchema:
    """A plain string schema listing the allowed values; null still accepted."""
    return WithJsonSchema({"type": "string", "enum": values})


def object_id_or_slug(value: str, noun: str, argument: str, how_to_find: str) -> str:
    """A dataset, organization or dataservice id: a 24-hex ObjectId or a slug."""
    cleaned = value.strip()
    if OBJECT_ID.match(cleaned.lower()):
        return cleaned.lower()
    if SLUG.match(cleaned):
        return cleaned
    raise InvalidArgumentError(
        f"'{value[:100]}' is not a valid {noun} ID for {argument}: expected a 24-character "
        "hexadecimal id or a slug (letters, digits, dashes).",
        hint=how_to_find,
    )


def resource_uuid(value: str, argument: str = "resource_id", how_to_find: str = "") -> str:
    """A resource id: a UUID, in the canonical lower-case hyphenated form."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise InvalidArgumentError(
            f"'{value[:100]}' is not a valid resource ID for {argument}: expected a UUID "
            "such as 3f9b1f2e-6c1d-4c8e-9d2a-1b2c3d4e5f60.",
            hint=how_to_find or "Find resource ids with list_dataset_resources.",
        ) from None
