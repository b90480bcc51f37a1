"""H008-H014: the header compared with the object's describe JSON (and its parents')."""
from __future__ import annotations

from sfprep.core.model import Skipped
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.header.common import header_finding, rewrite_name
from sfprep.linter.rules.wording import a


SUGGESTED_NAMES = 1000  # H008: names for which the closest field is looked for (difflib: slow)


def _described_columns(ctx):
    for column in ctx.columns:
        if column.name and column.name == ctx.header.names[column.index].strip():
            yield column


def relationship_columns(ctx):
    for column in _described_columns(ctx):
        if column.is_relationship and len(column.relationship.split(".")) == 1 \
                and not column.relationship.lower().endswith("__c"):
            yield column


@rule("H008", "unknown-field", "E", scope=Scope.HEADER, needs=("describe",))
def unknown_field(header, ctx):
    """Column is not a field of the object.

    ## What it checks
    Every plain column names a field of the object in its describe JSON (case-insensitive);
    the closest field name is suggested, for the first 1,000 unknown names (a header with
    more is not mistyped, and looking for the closest names would cost more than the rest
    of the lint).

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
    candidates = list(names)
    suggested = 0
    for column in _described_columns(ctx):
        if column.is_relationship or column.field is not None or not column.name:
            continue
        hint = ""
        if suggested < SUGGESTED_NAMES:
            suggested += 1
            close = difflib.get_close_matches(column.name.lower(), candidates, n=1, cutoff=0.6)
            hint = f"; did you mean {names[close[0]]!r}?" if close else ""
        yield header_finding("H008", f"{column.name!r} is not a field of {ctx.described.name}{hint}",
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
    A Contact file with `Acount.External_Id__c`, `Name.External_Id__c` or
    `Account__r.External_Id__c` (a standard relationship takes no `__r`).

    ## Use instead
    `Account.External_Id__c` (Contact's AccountId has relationshipName `Account`).

    ## Fix
    None.
    """
    for column in relationship_columns(ctx):
        if column.field is not None or column.relationship.lower() in ctx.described.child_relationships:
            continue
        yield header_finding("H009", f"{column.relationship!r} in {column.name!r}: {_why_not_a_relationship(column, ctx)}",
                              header, column.index)


def _why_not_a_relationship(column, ctx) -> str:
    relationship = column.relationship
    if relationship.lower().endswith("__r"):
        standard = ctx.described.relationship(relationship[:-3])
        if standard is not None and not standard.name.lower().endswith("__c"):
            written = column.name.replace(relationship + ".", standard.relationship_name + ".", 1)
            return (f"{standard.relationship_name} is a standard relationship, named without __r: "
                    f"write {written}")
    plain = ctx.described.field(relationship)
    return f"{plain.name} is {a(plain.type)} field, not a lookup" if plain else "no lookup has that relationship name"


@rule("H010", "polymorphic-without-type", "E", scope=Scope.HEADER, needs=("describe",), formats=("csv",))
def polymorphic_without_type(header, ctx):
    """Polymorphic lookup referenced without the `ObjectType:` prefix.

    ## What it checks
    A relationship column through a polymorphic lookup (one that can point at several
    objects, like `OwnerId` to User or Group, or `WhatId`) names the parent's type:
    `ObjectType:Relationship.Field`. The suggested types are those whose describe (in the
    same folder) has the field after the dot; without their describes, every target.

    ## Why it matters
    The Bulk API guide: "You get an error if you omit this syntax for a polymorphic field."

    ## Example
    A Case file with `Owner.Username`.

    ## Use instead
    `User:Owner.Username`

    ## Fix
    None: which object type is meant is yours to say.
    """
    for column in relationship_columns(ctx):
        if column.field is not None and column.field.polymorphic and column.object_type is None:
            kinds = "/".join(column.field.reference_to)
            yield header_finding("H010", f"{column.field.name} is polymorphic ({kinds}): "
                                          f"{_typed_suggestion(column, ctx)}", header, column.index)


def _typed_suggestion(column, ctx) -> str:
    """The `Type:` prefix to write: the referenced types whose describe has the parent field,
    else (no describe for them) every referenced type that may have it."""
    having, lacking, unknown = [], [], []
    for kind in column.field.reference_to:
        parent = ctx.describes.get(kind) if ctx.describes is not None else None
        (unknown if parent is None else having if parent.field(column.target) else lacking).append(kind)
    if not having and not unknown:
        return f"and none of {', '.join(lacking)} has a field {column.target!r}"
    names = [f"{kind}:{column.name}" for kind in (having or unknown)]
    advice = f"write {names[0]}" if len(names) == 1 else f"write one of {', '.join(names)}"
    known = ([f"{'/'.join(having)} has {column.target}"] if having else []) \
        + ([f"{'/'.join(lacking)} has no {column.target}"] if lacking else []) \
        + ([f"no describe for {', '.join(unknown)}"] if unknown and (having or lacking) else [])
    return advice + (f" ({'; '.join(known)})" if known else "")


@rule("H011", "type-prefix-not-polymorphic", "E", fix="S", scope=Scope.HEADER, needs=("describe",), formats=("csv",))
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
    for column in relationship_columns(ctx):
        if column.field is not None and column.object_type is not None and not column.field.polymorphic:
            plain = column.name.split(":", 1)[1]
            yield header_finding("H011", f"{column.field.name} is not polymorphic: drop {column.object_type + ':'!r}",
                                  header, column.index,
                                  fix=rewrite_name(header, column.index, plain, f"Rename the column to {plain!r}"))


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
    for column in relationship_columns(ctx):
        field = column.field
        if field is None or column.object_type is None:
            continue
        if column.object_type.lower() not in (r.lower() for r in field.reference_to):
            yield header_finding("H012", f"{column.object_type} is not one of {field.name}'s targets "
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
    for column in relationship_columns(ctx):
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
            yield header_finding("H013", f"{column.target!r} is not a field of {parent.name}", header, column.index)
        elif not target.is_indexed:
            yield header_finding("H013", f"{parent.name}.{target.name} is not an External ID or idLookup field",
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
    for column in relationship_columns(ctx):
        if column.field is None and column.relationship.lower() in ctx.described.child_relationships:
            yield header_finding("H014", f"{column.relationship!r} is a child relationship of "
                                          f"{ctx.described.name}; only child-to-parent references load",
                                  header, column.index)
