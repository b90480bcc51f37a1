"""H: header row rules (H001-H007 need no describe JSON)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sfprep.core.model import Edit, Finding, Fix, Skipped
from sfprep.linter.registry import Scope, rule

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


def _header_finding(code: str, message: str, header, index: int, fix: Fix | None = None) -> Finding:
    return Finding(code, message, line=header.lines[index], record=0, column=index + 1,
                   field=header.names[index], offset=header.starts[index], fix=fix)


def _columns(header):
    """(index, name) of every header column worth checking: not blank, not padded."""
    for index, name in enumerate(header.names):
        if name.strip() and name == name.strip():
            yield index, name


def _rewrite(header, index: int, new_name: str, description: str) -> Fix:
    """A safe fix replacing one header field with `new_name`, keeping its quoting."""
    raw = header.raw[index]
    quoted = raw.startswith(b'"')
    body = new_name.replace('"', '""') if quoted else new_name
    replacement = (f'"{body}"' if quoted else body).encode()
    start = header.starts[index]
    return Fix.safe(description, Edit(start, start + len(raw), replacement))


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
            yield _header_finding("H001", f"column {index + 1} has no name", header, index)


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
    for index, name in _columns(header):
        key = name.lower()
        if key in first_seen:
            yield _header_finding("H002", f"column {name!r} repeats column {first_seen[key] + 1} "
                                          f"({header.names[first_seen[key]]!r})", header, index)
        else:
            first_seen[key] = index


@rule("H003", "padded-column-name", "E", fix="S", scope=Scope.HEADER)
def padded_column_name(header, ctx):
    """Column name with leading or trailing whitespace.

    ## What it checks
    That no header name starts or ends with a space, tab or line break.

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
        stripped = name.strip()
        if stripped and name != stripped:
            yield _header_finding("H003", f"column name {name!r} has whitespace around it", header, index,
                                  fix=_rewrite(header, index, stripped, f"Rename the column to {stripped!r}"))


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
    for index, name in _columns(header):
        column = ColumnName.parse(name.replace(" ", "") if ":" in name else name)
        bad = [part for part in column.parts if not API_NAME.match(part)]
        if column.object_type is not None and not OBJECT_NAME.match(column.object_type):
            bad.insert(0, column.object_type)
        if bad and not (":" in name and _malformed_polymorphic(name)):
            yield _header_finding("H004", f"{name!r} is not a valid API name ({bad[0]!r})", header, index)


@rule("H005", "grandparent-relationship", "E", scope=Scope.HEADER)
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
    for index, name in _columns(header):
        if len(ColumnName.parse(name).parts) > 2:
            yield _header_finding("H005", f"{name!r} reaches a grandparent; only one relationship level is allowed",
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
    for index, name in _columns(header):
        column = ColumnName.parse(name)
        if len(column.parts) >= 2 and column.parts[0].lower().endswith("__c"):
            relationship = column.parts[0][:-1] + "r"
            fixed = name.replace(column.parts[0] + ".", relationship + ".", 1)
            yield _header_finding("H006", f"{column.parts[0]!r} is a field name; the relationship is {relationship!r}",
                                  header, index, fix=_rewrite(header, index, fixed, f"Rename the column to {fixed!r}"))


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
    for index, name in _columns(header):
        if ":" not in name:
            continue
        problem = _malformed_polymorphic(name)
        if problem is None:
            continue
        compact = name.replace(" ", "")
        fix = None
        if problem.startswith("spaces") and _malformed_polymorphic(compact) is None:
            fix = _rewrite(header, index, compact, f"Rename the column to {compact!r}")
        yield _header_finding("H007", f"malformed polymorphic column {name!r}: {problem}", header, index, fix=fix)


# H008-H014 compare the header with the object's describe JSON.

def _described_columns(ctx):
    for column in ctx.columns:
        if column.name and column.name == ctx.header.names[column.index].strip():
            yield column


def _relationship_columns(ctx):
    for column in _described_columns(ctx):
        if column.is_relationship and len(column.relationship.split(".")) == 1 \
                and not column.relationship.lower().endswith("__c"):
            yield column


@rule("H008", "unknown-field", "E", scope=Scope.HEADER, needs=("describe",))
def unknown_field(header, ctx):
    """Column is not a field of the object.

    ## What it checks
    Every plain column names a field of the object in its describe JSON (case-insensitive);
    the closest field name is suggested.

    ## Why it matters
    The batch fails with "Field name not found", or the column is silently unmapped in
    tools that skip unknown columns: the data in it is never loaded.

    ## Example
    A Contact file with `Lastname__c` or `Emial`.

    ## Use instead
    `LastName`, `Email`: the API names from the describe.

    ## Fix
    None: the suggestion may be wrong; rename the column yourself.
    """
    import difflib

    names = {f.name.lower(): f.name for f in ctx.described.fields.values()}
    for column in _described_columns(ctx):
        if column.is_relationship or column.field is not None or not column.name:
            continue
        close = difflib.get_close_matches(column.name.lower(), list(names), n=1, cutoff=0.6)
        hint = f"; did you mean {names[close[0]]!r}?" if close else ""
        yield _header_finding("H008", f"{column.name!r} is not a field of {ctx.described.name}{hint}",
                              header, column.index)


@rule("H009", "unknown-relationship", "E", scope=Scope.HEADER, needs=("describe",))
def unknown_relationship(header, ctx):
    """Relationship name is unknown, or the field behind it is not a lookup.

    ## What it checks
    In `Relationship.Field`, the part before the dot is the `relationshipName` of a
    lookup or master-detail field of the object.

    ## Why it matters
    The batch fails: the Bulk API resolves the parent through that relationship.

    ## Example
    A Contact file with `Acount.External_Id__c` or `Name.External_Id__c`.

    ## Use instead
    `Account.External_Id__c` (Contact's AccountId has relationshipName `Account`).

    ## Fix
    None.
    """
    for column in _relationship_columns(ctx):
        if column.field is not None or column.relationship.lower() in ctx.described.child_relationships:
            continue
        plain = ctx.described.field(column.relationship)
        why = f"{plain.name} is a {plain.type} field, not a lookup" if plain else "no lookup has that relationship name"
        yield _header_finding("H009", f"{column.relationship!r} in {column.name!r}: {why}", header, column.index)


@rule("H010", "polymorphic-without-type", "E", scope=Scope.HEADER, needs=("describe",))
def polymorphic_without_type(header, ctx):
    """Polymorphic lookup referenced without the `ObjectType:` prefix.

    ## What it checks
    A relationship column through a polymorphic lookup (one that can point at several
    objects, like `OwnerId` to User or Group, or `WhatId`) names the parent's type:
    `ObjectType:Relationship.Field`.

    ## Why it matters
    The Bulk API guide: "You get an error if you omit this syntax for a polymorphic field."

    ## Example
    A Case file with `Owner.Username`.

    ## Use instead
    `User:Owner.Username`

    ## Fix
    None: which object type is meant is yours to say.
    """
    for column in _relationship_columns(ctx):
        if column.field is not None and column.field.polymorphic and column.object_type is None:
            kinds = "/".join(column.field.reference_to)
            yield _header_finding("H010", f"{column.field.name} is polymorphic ({kinds}): write "
                                          f"{column.field.reference_to[0]}:{column.name}", header, column.index)


@rule("H011", "type-prefix-not-polymorphic", "E", fix="S", scope=Scope.HEADER, needs=("describe",))
def type_prefix_not_polymorphic(header, ctx):
    """`ObjectType:` prefix on a lookup that is not polymorphic.

    ## What it checks
    The `ObjectType:` prefix is used only with polymorphic lookups.

    ## Why it matters
    The Bulk API guide: "You also get an error if you include this syntax for a field that
    is not polymorphic."

    ## Example
    A Contact file with `Account:Account.External_Id__c`.

    ## Use instead
    `Account.External_Id__c`

    ## Fix
    Safe: the prefix is removed; the lookup can only point at one object anyway.
    """
    for column in _relationship_columns(ctx):
        if column.field is not None and column.object_type is not None and not column.field.polymorphic:
            plain = column.name.split(":", 1)[1]
            yield _header_finding("H011", f"{column.field.name} is not polymorphic: drop {column.object_type + ':'!r}",
                                  header, column.index,
                                  fix=_rewrite(header, column.index, plain, f"Rename the column to {plain!r}"))


@rule("H012", "type-prefix-not-referenced", "E", scope=Scope.HEADER, needs=("describe",))
def type_prefix_not_referenced(header, ctx):
    """`ObjectType` is not one of the lookup's target objects.

    ## What it checks
    In `ObjectType:Relationship.Field`, `ObjectType` is one of the lookup's
    `referenceTo` objects (on a lookup that is not polymorphic, H011 reports the prefix too).

    ## Why it matters
    The row fails: the parent is looked up in an object the field cannot point at.

    ## Example
    A Case file with `Account:Owner.Name` (Owner is User or Group).

    ## Use instead
    `User:Owner.Username`

    ## Fix
    None.
    """
    for column in _relationship_columns(ctx):
        field = column.field
        if field is None or column.object_type is None:
            continue
        if column.object_type.lower() not in (r.lower() for r in field.reference_to):
            yield _header_finding("H012", f"{column.object_type} is not one of {field.name}'s targets "
                                          f"({', '.join(field.reference_to)})", header, column.index)


@rule("H013", "parent-field-not-indexed", "E", scope=Scope.HEADER, needs=("describe",))
def parent_field_not_indexed(header, ctx):
    """Parent field in a relationship column is not an indexed field.

    ## What it checks
    In `Relationship.Field`, the parent object's field is an External ID or an idLookup
    field. Needs the parent's describe in the same folder; without it the check is
    reported as skipped for that column.

    ## Why it matters
    The Bulk API guide: "You can only use indexed fields on the parent object."

    ## Example
    `Account.Name` (Name is not an external id)

    ## Use instead
    `Account.External_Id__c`

    ## Fix
    None.
    """
    for column in _relationship_columns(ctx):
        field = column.field
        if field is None:
            continue
        parent_name = column.object_type or (field.reference_to[0] if len(field.reference_to) == 1 else None)
        parent = ctx.describes.get(parent_name) if parent_name else None
        if parent is None:
            yield Skipped(f"no describe for the parent object {parent_name or '(polymorphic)'} of {column.name}")
            continue
        target = parent.field(column.target)
        if target is None:
            yield _header_finding("H013", f"{column.target!r} is not a field of {parent.name}", header, column.index)
        elif not target.is_indexed:
            yield _header_finding("H013", f"{parent.name}.{target.name} is not an External ID or idLookup field",
                                  header, column.index)


@rule("H014", "parent-to-child-reference", "E", scope=Scope.HEADER, needs=("describe",))
def parent_to_child_reference(header, ctx):
    """Parent-to-child reference in a column.

    ## What it checks
    The name before the dot is not a child relationship of the object (like `Contacts`
    on Account).

    ## Why it matters
    The Bulk API guide: "You can use a child-to-parent relationship, but you can't use a
    parent-to-child relationship."

    ## Example
    An Account file with `Contacts.Email`.

    ## Use instead
    Load the children in their own file, referencing the parent: a Contact file with
    `Account.External_Id__c`.

    ## Fix
    None.
    """
    for column in _relationship_columns(ctx):
        if column.field is None and column.relationship.lower() in ctx.described.child_relationships:
            yield _header_finding("H014", f"{column.relationship!r} is a child relationship of "
                                          f"{ctx.described.name}; only child-to-parent references load",
                                  header, column.index)
