"""The tool's argument types: schema and checks in one annotation, checked by the core before
the handler runs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

LicenseId = Annotated[
    str,
    Field(
        description="A licence id as found in a dataset, e.g. 'lov2'.", min_length=1, max_length=60
    ),
]
