"""X: Bulk XML batches ("Preparing XML Files", "Valid XML Records").

The reader (sfprep/io/xml/reader.py) decides the document's structure once and gathers
each structural problem with its element; these rules turn the problems of their kind into
findings. The record and value rules (H, V, L, O) read XML records as they read CSV rows.
"""
from __future__ import annotations

from sfprep.core.batch import batch
from sfprep.core.model import Finding
from sfprep.io.csv import flags as facts
from sfprep.linter.checks import CellCheck
from sfprep.linter.registry import Scope, rule
from sfprep.linter.rules.header.common import header_finding
from sfprep.linter.rules.header.describe import relationship_columns
from sfprep.linter.rules.header.names import duplicate_column
from sfprep.linter.rules.values.common import has

XML = ("xml",)
UTF8_NAMES = ("utf-8", "utf8")


def problems(ctx, code: str):
    """The reader's problems of one kind, as one batch (a file can have one per record)."""
    found = [p for p in (ctx.xml.problems if ctx.xml is not None else ()) if p.code == code]
    if found:
        yield batch(lines=[p.line for p in found], messages=[p.message for p in found],
                    records=[p.record for p in found], field=[p.field for p in found],
                    offsets=[p.offset for p in found])


@rule("X001", "not-well-formed", "E", scope=Scope.END, formats=XML)
def not_well_formed(ctx):
    """The file is not well-formed XML.

    ## What it checks
    That the whole file parses as XML 1.0: every tag closed in order, attributes quoted,
    `&` written `&amp;`, no control characters, nothing after the root element. The parser's
    line is reported. The records before that line are still checked; those after it are not
    read.

    ## Why it matters
    Salesforce parses the batch before it reads any record: the whole batch fails.

    ## Example
    `<Name>Smith & Sons</Name>`

    ## Use instead
    `<Name>Smith &amp; Sons</Name>`

    ## Fix
    None: where the markup was meant to end is yours to say.
    """
    if ctx.xml is not None and ctx.xml.syntax_error is not None:
        message, line = ctx.xml.syntax_error
        yield Finding("X001", f"not well-formed XML: {message}", line=line)


@rule("X002", "encoding-not-utf8", "E", scope=Scope.SNIFF, formats=XML)
def encoding_not_utf8(ctx):
    """The XML declaration names an encoding other than UTF-8.

    ## What it checks
    That `<?xml ... encoding="..."?>`, when present, says UTF-8.

    ## Why it matters
    The Bulk API guide: "XML files must be in UTF-8 format." A batch declared
    ISO-8859-1 or windows-1252 is refused, or its accented letters are garbled.

    ## Example
    `<?xml version="1.0" encoding="ISO-8859-1"?>`

    ## Use instead
    `<?xml version="1.0" encoding="UTF-8"?>`, with the file re-encoded as UTF-8.

    ## Fix
    None yet: re-encode the file (`iconv -f ISO-8859-1 -t UTF-8`) and change the declaration.
    """
    declared = ctx.xml_prolog.encoding if ctx.xml_prolog is not None else None
    if declared is not None and declared.strip().lower() not in UTF8_NAMES:
        yield Finding("X002", f"the XML declaration says encoding={declared!r}; the Bulk API reads UTF-8 only",
                      line=1, offset=0)


@rule("X003", "wrong-root", "E", scope=Scope.END, formats=XML)
def wrong_root(ctx):
    """The root element is not `sObjects` in the dataload namespace.

    ## What it checks
    That the document's root is
    `<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">`.

    ## Why it matters
    Salesforce reads the records of that element only. A file with another root (a
    `jobInfo` or `batchInfoList` response saved by a tool, a root without the namespace) is
    not a batch: it fails, or loads nothing.

    ## Example
    `<sObjects><sObject>...` (no namespace), or `<jobInfo xmlns=...>`

    ## Use instead
    `<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">`

    ## Fix
    None.
    """
    yield from problems(ctx, "X003")


@rule("X004", "not-an-sobject", "E", scope=Scope.END, formats=XML)
def not_an_sobject(ctx):
    """A child of `sObjects` is not an `sObject`.

    ## What it checks
    That every element directly inside the root is an `<sObject>`: one record each.

    ## Why it matters
    Salesforce does not know what to do with any other element there: the batch fails.

    ## Example
    `<sObjects ...><record><Name>Acme</Name></record></sObjects>`

    ## Use instead
    `<sObjects ...><sObject><Name>Acme</Name></sObject></sObjects>`

    ## Fix
    None.
    """
    yield from problems(ctx, "X004")


@rule("X005", "bad-nil", "E", scope=Scope.END, formats=XML)
def bad_nil(ctx):
    """`xsi:nil` misused: on content, not true/false, or `xsi` bound elsewhere.

    ## What it checks
    `xsi:nil="true"` sets a field to null: the element must then be empty, the value is
    `true` or `false`, and the `xsi` prefix is bound to
    `http://www.w3.org/2001/XMLSchema-instance`.

    ## Why it matters
    A nil element with a value, or a `nil` attribute Salesforce does not recognise, leaves it
    to guess between the null and the value: the field keeps its value where you meant to
    clear it, or the record fails.

    ## Example
    `<Phone xsi:nil="true">555-0100</Phone>`, `<Phone xsi:nil="yes"/>`

    ## Use instead
    `<Phone xsi:nil="true"/>` to clear the field, `<Phone>555-0100</Phone>` to set it.

    ## Fix
    None: whether the null or the value is meant is yours to say.
    """
    yield from problems(ctx, "X005")


@rule("X006", "bad-relationship", "E", scope=Scope.END, formats=XML)
def bad_relationship(ctx):
    """A relationship element does not hold exactly one `sObject` with one field.

    ## What it checks
    A field that holds elements is a relationship: it holds exactly one `<sObject>`, which
    holds exactly one field (the parent's external id or indexed field) and, for a
    polymorphic lookup, one `<type>`.

    ## Why it matters
    The Bulk API guide's grammar for relationships in XML is this one shape. Two fields
    in the nested `sObject`, or none, and Salesforce cannot match the parent: the record
    fails.

    ## Example
    `<Account><sObject><Ext__c>7</Ext__c><Name>Acme</Name></sObject></Account>`

    ## Use instead
    `<Account><sObject><Ext__c>7</Ext__c></sObject></Account>`

    ## Fix
    None.
    """
    yield from problems(ctx, "X006")


@rule("X007", "grandparent-relationship-xml", "E", scope=Scope.END, formats=XML)
def grandparent_relationship_xml(ctx):
    """A relationship nested deeper than one level.

    ## What it checks
    That the field inside a relationship's `sObject` is a value, not another relationship
    (a grandparent).

    ## Why it matters
    The Bulk API matches a parent by one of its own fields only: a grandparent reference
    fails the record (H005 is the CSV form of this rule).

    ## Example
    `<Contact><sObject><Account><sObject><Ext__c>7</Ext__c></sObject></Account></sObject></Contact>`

    ## Use instead
    Reference the parent by its own external id: `<Contact><sObject><Ext__c>..</Ext__c></sObject></Contact>`.

    ## Fix
    None.
    """
    yield from problems(ctx, "X007")


@rule("X008", "polymorphic-type-element", "E", scope=Scope.HEADER, needs=("describe",), formats=XML)
def polymorphic_type_element(header, ctx):
    """`type` missing in a polymorphic lookup's `sObject`, or present in another one.

    ## What it checks
    By the object's describe: a relationship through a polymorphic lookup (`Owner`, `Who`,
    `What`) names the parent's type with `<type>`; a relationship through a lookup to one
    object does not (H010 and H011 are the CSV forms of this rule).

    ## Why it matters
    The Bulk API guide: the type is required for a polymorphic field and an error for any
    other.

    ## Example
    `<Who><sObject><Email>a@example.com</Email></sObject></Who>` in a Task batch.

    ## Use instead
    `<Who><sObject><type>Lead</type><Email>a@example.com</Email></sObject></Who>`

    ## Fix
    None: which object type is meant is yours to say.
    """
    for column in relationship_columns(ctx):
        if column.field is None:
            continue
        relationship = column.relationship.split(":")[-1]
        if column.field.polymorphic and column.object_type is None:
            kinds = ", ".join(column.field.reference_to)
            yield header_finding("X008", f"{relationship} is polymorphic ({kinds}): its <sObject> needs a <type>",
                                 header, column.index)
        elif column.object_type is not None and not column.field.polymorphic:
            yield header_finding("X008", f"{relationship} is not polymorphic: drop <type>{column.object_type}</type>",
                                 header, column.index)


@rule("X009", "doctype", "E", scope=Scope.SNIFF, formats=XML)
def doctype(ctx):
    """A DOCTYPE or entity declaration.

    ## What it checks
    That the file has no `<!DOCTYPE ...>` (and so no `<!ENTITY ...>`). sfprep never parses
    such a file: it is refused before any parser sees it, and nothing is expanded or
    fetched.

    ## Why it matters
    A Bulk batch has no use for a DTD. Entities are how XML bombs expand a kilobyte into
    gigabytes and how external-entity attacks read files or reach the network; Salesforce
    rejects the batch.

    ## Example
    `<!DOCTYPE sObjects [<!ENTITY acme "Acme Corporation">]>`

    ## Use instead
    No DOCTYPE; write values out in full.

    ## Fix
    None.
    """
    prolog = ctx.xml_prolog
    if prolog is not None and prolog.doctype_offset is not None:
        yield Finding("X009", "DOCTYPE or entity declaration: never expanded or fetched; the file is not read further",
                      line=prolog.doctype_line, offset=prolog.doctype_offset)


@rule("X010", "untrimmed-xml-value", "W", fix="U", scope=Scope.VALUES, formats=XML)
def untrimmed_xml_value(ctx):
    """Value with leading or trailing whitespace (pretty-printing included).

    ## What it checks
    That no element's text starts or ends with a space, tab or line break, such as the
    newlines and indentation a pretty-printer puts around a value
    (V001 is the CSV form of this rule).

    ## Why it matters
    Field values are not trimmed: `<Name>\\n    Acme\\n</Name>` is stored with its newlines
    and spaces, and no longer matches `Acme`.

    ## Example
    `<Name> Acme </Name>`

    ## Use instead
    `<Name>Acme</Name>`

    ## Fix
    Unsafe, and not offered yet for XML: sfprep reports it; trim the values in the tool
    that writes the file.
    """
    yield CellCheck("X010", ctx.columns, facts=lambda f: has(f, facts.LEADING_SPACE, facts.TRAILING_SPACE),
                    message="value {value} in {field} has whitespace around it")


@duplicate_column.also(Scope.END)
def duplicate_field_in_record(ctx):
    """In XML, a field element twice in one record (the header, a union of names, cannot repeat one)."""
    yield from problems(ctx, "H002")
