"""H001-H007: the header's names as the Bulk API parses them (no describe JSON needed)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.header.common import header_finding, named_columns, rewrite_name, unpadded

_WORD = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
_SUFFIX = r"__(?:c|r|pc|pr|x|mdt|e|b)"
API_NAME = re.compile(rf"^(?:{_WORD}__)?{_WORD}(?:{_SUFFIX})?$")
OBJECT_NAME = re.compile(rf"^(?:{_WORD}__)?{_WORD}(?:__(?:c|x|mdt|e|b))?$")


@dataclass(frozen=True)
class ColumnName:
    """A header name taken apart: `Type:Relationship.Field` or `Relationship.Field` or `Field`."""

    object_type: str | None
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, name: str) -> "ColumnName":
        object_type, _, rest = name.rpartition(":") if ":" in name else (None, "", name)
        return cls(object_type, tuple(rest.split(".")))


@rule("H001", "empty-column-name", "E", scope=Scope.HEADER)
def empty_column_name(header, ctx):
    """Empty column name in the header.

    ## What it checks
    That every header field names a column: no empty or all-blank name, no trailing
    delimiter at the end of the header line.

    ## Why it matters
    The Bulk API maps columns to fields by name; an empty name maps to nothing and the
    batch fails ("Field name not found"). A trailing comma is the usual cause.

    ## Example
    `Name,Phone,`

    ## Use instead
    `Name,Phone`

    ## Fix
    None: the column's data may matter, or may not.
    """
    if header.is_blank:
        return  # a blank first line is F006's finding
    for index, name in enumerate(header.names):
        if not name.strip():
            yield header_finding("H001", f"column {index + 1} has no name", header, index)


@rule("H002", "duplicate-column", "E", scope=Scope.HEADER)
def duplicate_column(header, ctx):
    """Duplicate column name (compared case-insensitively).

    ## What it checks
    That no two header columns have the same name, ignoring case: API names are
    case-insensitive, so `Name` and `NAME` are the same field.

    ## Why it matters
    The Bulk API rejects a batch whose header names a field twice ("Duplicate field"),
    and if a tool let it through, which value wins would be undefined.

    ## Example
    `Name,Phone,name`

    ## Use instead
    `Name,Phone`

    ## Fix
    None: which of the two columns holds the right data is for you to decide.
    """
    first_seen: dict[str, int] = {}
    for index, name in named_columns(header):
        key = name.lower()
        if key in first_seen:
            yield header_finding("H002", f"column {name!r} repeats column {first_seen[key] + 1} "
                                          f"({header.names[first_seen[key]]!r})", header, index)
        else:
            first_seen[key] = index


@rule("H003", "padded-column-name", "E", fix="S", scope=Scope.HEADER, formats=("csv",))
def padded_column_name(header, ctx):
    """Column name with leading or trailing whitespace.

    ## What it checks
    That no header name starts or ends with a space, tab or line break, or with an
    invisible character (zero-width space, a byte-order mark inside the file, a word joiner).

    ## Why it matters
    Salesforce does not trim column names any more than values: `" Phone"` is not the
    field `Phone`, and the batch fails with "Field name not found".

    ## Example
    `Name, Phone,Industry `

    ## Use instead
    `Name,Phone,Industry`

    ## Fix
    Safe: the whitespace around the name is removed.
    """
    for index, name in enumerate(header.names):
        stripped = unpadded(name)
        if stripped and name != stripped:
            around = "whitespace" if name.strip() != name else "an invisible character"
            yield header_finding("H003", f"column name {name!r} has {around} around it", header, index,
                                  fix=rewrite_name(header, index, stripped, f"Rename the column to {stripped!r}"))


@rule("H004", "invalid-api-name", "E", scope=Scope.HEADER)
def invalid_api_name(header, ctx):
    """Column name is not a valid API name.

    ## What it checks
    That each dotted part of a header name is an API name: letters, digits and single
    underscores, starting with a letter, not ending with an underscore. A namespace prefix
    (`ns__`) and the suffixes `__c`, `__r`, `__pc`, `__pr`, `__x`, `__mdt`, `__e`, `__b` are
    allowed; so is a polymorphic `ObjectType:` prefix.

    ## Why it matters
    The header must hold field API names, not labels: `Account Name` or `Amount ($)` are
    labels from a report export and fail with "Field name not found".

    ## Example
    `Account Name,Annual Revenue ($)`

    ## Use instead
    `Name,AnnualRevenue`

    ## Fix
    None: which field a label means needs the object's describe (see H008).
    """
    for index, name in named_columns(header):
        column = ColumnName.parse(name.replace(" ", "") if ":" in name else name)
        bad = [part for part in column.parts if not API_NAME.match(part)]
        if column.object_type is not None and not OBJECT_NAME.match(column.object_type):
            bad.insert(0, column.object_type)
        if bad and not (":" in name and _malformed_polymorphic(name)):
            yield header_finding("H004", f"{name!r} is not a valid API name ({bad[0]!r})", header, index)


@rule("H005", "grandparent-relationship", "E", scope=Scope.HEADER, formats=("csv",))
def grandparent_relationship(header, ctx):
    """Relationship deeper than one level.

    ## What it checks
    That a relationship column names a field of the direct parent only:
    `Relationship.Field`, not `Relationship.Relationship.Field`.

    ## Why it matters
    The Bulk API guide: "You can use a child-to-parent relationship, but you can't extend
    it to use a child-to-parent-grandparent relationship."

    ## Example
    `Contact__r.Account.External_Id__c`

    ## Use instead
    Resolve the parent first, then reference it directly: `Contact__r.External_Id__c`.

    ## Fix
    None.
    """
    for index, name in named_columns(header):
        if len(ColumnName.parse(name).parts) > 2:
            yield header_finding("H005", f"{name!r} reaches a grandparent; only one relationship level is allowed",
                                  header, index)


@rule("H006", "custom-relationship-suffix", "E", fix="S", scope=Scope.HEADER)
def custom_relationship_suffix(header, ctx):
    """Custom relationship written with `__c` instead of `__r`.

    ## What it checks
    That the relationship part of a column like `Parent__c.External_ID__c` uses the
    relationship name (`__r`), not the field name (`__c`).

    ## Why it matters
    The Bulk API guide: "To use a relationship name in a column header, replace the __c in
    the child object's custom field with __r." `Mother_Of_Child__c.External_ID__c` is not
    a field and fails the batch.

    ## Example
    `Mother_Of_Child__c.External_ID__c`

    ## Use instead
    `Mother_Of_Child__r.External_ID__c`

    ## Fix
    Safe: the `__c` before the dot becomes `__r`.
    """
    for index, name in named_columns(header):
        column = ColumnName.parse(name)
        if len(column.parts) >= 2 and column.parts[0].lower().endswith("__c"):
            relationship = column.parts[0][:-1] + "r"
            fixed = name.replace(column.parts[0] + ".", relationship + ".", 1)
            yield header_finding("H006", f"{column.parts[0]!r} is a field name; the relationship is {relationship!r}",
                                  header, index, fix=rewrite_name(header, index, fixed, f"Rename the column to {fixed!r}"))


def _malformed_polymorphic(name: str) -> str | None:
    """Why a `Type:Relationship.Field` name is malformed, or None if it is well formed."""
    if name.count(":") > 1:
        return "more than one colon"
    object_type, rest = name.split(":")
    if object_type != object_type.strip() or rest != rest.strip():
        return "spaces around the colon"
    if " " in rest or " " in object_type:
        return "spaces in the name"
    if not object_type:
        return "no object type before the colon"
    if "." not in rest:
        return "no `.Field` after the relationship"
    return None


@rule("H007", "malformed-polymorphic-prefix", "E", fix="S", scope=Scope.HEADER)
def malformed_polymorphic_prefix(header, ctx):
    """Malformed polymorphic `ObjectType:` prefix.

    ## What it checks
    That a polymorphic column follows the guide's syntax exactly:
    `ObjectType:RelationshipName.IndexedFieldName`, with one colon, no spaces, and a dot
    after the relationship name.

    ## Why it matters
    The Bulk API parses the prefix literally: `Account :Owner.Name` or `User:Owner` is not
    a field name and fails the batch.

    ## Example
    `User : Owner.Email`

    ## Use instead
    `User:Owner.Email`

    ## Fix
    Safe when spaces are the only problem: they are removed.
    """
    for index, name in named_columns(header):
        if ":" not in name:
            continue
        problem = _malformed_polymorphic(name)
        if problem is None:
            continue
        compact = name.replace(" ", "")
        fix = None
        if problem.startswith("spaces") and _malformed_polymorphic(compact) is None:
            fix = rewrite_name(header, index, compact, f"Rename the column to {compact!r}")
        yield header_finding("H007", f"malformed polymorphic column {name!r}: {problem}", header, index, fix=fix)
