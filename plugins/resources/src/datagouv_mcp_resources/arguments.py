"""The resources tools' argument types: published schema and checks in one annotation each,
built over the core's shared rules and checked by the core before a handler runs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datagouv_mcp.arguments import NULLABLE_STRING, naming, nullable_enum, one_of, resource_id
from datagouv_mcp.callcontext import current_tool
from datagouv_mcp.errors import InvalidArgumentError

FIND_RESOURCE = naming(
    "list_dataset_resources",
    "Use list_dataset_resources to find a resource ID (the Resource ID: line of each result).",
    "A resource's ID is a UUID, shown on its dataset's page on data.gouv.fr.",
)

# The Tabular API's operators, with its semantics (less and greater are inclusive, differs
# keeps NULLs, in and notin take lists, isnull and isnotnull take no value).
OPERATORS = [
    "exact", "differs", "contains", "notcontains", "in", "notin", "less", "greater",
    "strictly_less", "strictly_greater", "isnull", "isnotnull",
]  # fmt: skip
LIST_OPERATORS = frozenset({"in", "notin"})
VALUELESS = frozenset({"isnull", "isnotnull"})
AGGREGATES = ["count", "avg", "min", "max", "sum"]
SORT_DIRECTIONS = ["asc", "desc"]

Operator = Literal[
    "exact", "differs", "contains", "notcontains", "in", "notin", "less", "greater",
    "strictly_less", "strictly_greater", "isnull", "isnotnull",
]  # fmt: skip
Aggregate = Literal["count", "avg", "min", "max", "sum"]
Scalar = str | int | float | bool
ColumnName = Annotated[str, Field(min_length=1, max_length=200)]


def _refuse(message: str, hint: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{message} (in {current_tool()}).", hint=hint)


class Filter(BaseModel):
    """One condition on a column; all the filters given apply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: ColumnName = Field(description="A column name, as get_resource_info lists them.")
    operator: Operator = Field("exact", description=f"One of: {', '.join(OPERATORS)}.")
    value: Scalar | list[Scalar] | None = Field(
        None,
        description="The value; a list for in/notin; none for isnull/isnotnull.",
    )

    @model_validator(mode="after")
    def _value_fits_the_operator(self) -> Filter:
        if self.operator in VALUELESS:
            if self.value not in (None, "", []):
                raise _refuse(
                    f"The {self.operator} filter on {self.column!r} takes no value",
                    hint="Leave value out for isnull and isnotnull.",
                )
        elif self.value is None or self.value == "":
            raise _refuse(
                f"The {self.operator} filter on {self.column!r} needs a value",
                hint="Give value, or use the operator isnull or isnotnull.",
            )
        elif self.operator in LIST_OPERATORS:
            if not isinstance(self.value, list) or not self.value:
                if not isinstance(self.value, list):
                    return self.model_copy(update={"value": [self.value]})
                raise _refuse(
                    f"The {self.operator} filter on {self.column!r} needs a list of values",
                    hint='Give value as a list, e.g. ["75056", "69123"].',
                )
        elif isinstance(self.value, list):
            raise _refuse(
                f"The {self.operator} filter on {self.column!r} takes one value, not a list",
                hint="Use the operator in (or notin) to match several values.",
            )
        return self


class Aggregation(BaseModel):
    """One aggregate of a column, computed over the filtered rows (per group)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: ColumnName = Field(description="The column to aggregate.")
    function: Aggregate = Field(description=f"One of: {', '.join(AGGREGATES)}.")


ResourceId = Annotated[
    str,
    resource_id(FIND_RESOURCE),
    Field(description="A resource's ID (a UUID)."),
]
QueryPage = Annotated[
    int, Field(ge=1, le=10_000_000, description="Page number, starting at 1.")
]  # a table of 10 million rows, page_size 1
FilterColumn = Annotated[
    str | None, NULLABLE_STRING, Field(description="Column to filter on (the simple form).")
]
FilterValue = Annotated[
    str | None, NULLABLE_STRING, Field(description="Value for filter_column (the simple form).")
]
FilterOperator = Annotated[
    str,
    nullable_enum(OPERATORS),
    one_of(OPERATORS),
    Field(description="Operator for filter_column: exact (default), contains, less, ..."),
]
SortColumn = Annotated[str | None, NULLABLE_STRING, Field(description="Column to sort by.")]
SortDirection = Annotated[
    str,
    nullable_enum(SORT_DIRECTIONS),
    one_of(SORT_DIRECTIONS),
    Field(description="asc (default) or desc."),
]
Filters = Annotated[
    list[Filter] | None,
    Field(
        description=(
            "Several conditions, all applied: [{column, operator, value}]. Operators: "
            "exact, differs (keeps empty values), contains, notcontains, in and notin (value "
            "a list), less and greater (inclusive), strictly_less, strictly_greater, isnull "
            "and isnotnull (no value)."
        ),
        max_length=20,
    ),
]
Columns = Annotated[
    list[ColumnName] | None,
    Field(description="Only these columns, in this order.", max_length=100),
]
GroupBy = Annotated[
    list[ColumnName] | None,
    Field(
        description=(
            "Group rows by these columns (with aggregates). Only where the Tabular API allows "
            "aggregation for the resource: get_resource_info says."
        ),
        max_length=10,
    ),
]
Aggregates = Annotated[
    list[Aggregation] | None,
    Field(
        description="Aggregates over the (grouped) rows: [{column, function}], function one "
        "of count, avg, min, max, sum.",
        max_length=20,
    ),
]
SheetName = Annotated[
    str | None,
    NULLABLE_STRING,
    Field(description="A spreadsheet's sheet, by name (default: the first).", max_length=200),
]
ArchiveMember = Annotated[
    str | None,
    NULLABLE_STRING,
    Field(
        description="A ZIP archive's member, by name (default: the first data file).",
        max_length=500,
    ),
]
