"""What the first bytes of a file say before any parser sees them: is it XML at all, what
encoding its declaration names, and whether it carries a DOCTYPE (X009).

A DOCTYPE may only stand in the prolog, before the root element, and an entity can only be
declared inside one: finding the prolog's end settles both without reading the document.
lxml never gets a file with a DOCTYPE (under resolve_entities=False it drops entities
without a word; with a DTD it could fetch or expand them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UTF8_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_NAME_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_SPACE = b" \t\r\n"


MAX_PROLOG = 16 << 20  # a prolog (comments, PIs) longer than this is refused, unread


@dataclass(frozen=True)
class Prolog:
    encoding: str | None          # as the XML declaration names it, or None
    doctype_offset: int | None    # file offset of `<!DOCTYPE` (or of an `<!ENTITY`), if any
    doctype_line: int = 0
    complete: bool = True         # the root element's start was found in the bytes given


def looks_like_xml(head: bytes) -> bool:
    """The content is XML (whatever the file is named): after an optional BOM and blanks,
    an XML declaration, a comment, a DOCTYPE or a start tag."""
    body = head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head
    body = body.lstrip(_SPACE)
    return body.startswith((b"<?xml", b"<!--", b"<!DOCTYPE")) or bool(_NAME_START.match(body))


def read_prolog(stream) -> Prolog:
    """The declaration's encoding and any DOCTYPE in the prolog, read from the start of the
    binary stream (as far as the prolog goes, up to MAX_PROLOG bytes)."""
    head, size = b"", 64 << 10
    while True:
        stream.seek(0)
        head = stream.read(size)
        doctype, complete = _doctype_in_prolog(head)
        if complete or len(head) < size or size >= MAX_PROLOG:
            break
        size *= 4
    declared = _DECLARATION.match(head, len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0)
    encoding = declared.group(1).decode("ascii", "replace") if declared else None
    line = head.count(b"\n", 0, doctype) + 1 if doctype is not None else 0
    return Prolog(encoding, doctype, line, complete or len(head) < size)


def _doctype_in_prolog(head: bytes) -> tuple[int | None, bool]:
    """(offset of a `<!DOCTYPE` or `<!ENTITY` before the root element, whether the prolog
    ended within head), stepping over the declaration, comments and processing
    instructions (one step each)."""
    at = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    while True:
        while at < len(head) and head[at] in _SPACE:
            at += 1
        if head.startswith(b"<?", at):
            end = head.find(b"?>", at + 2)
        elif head.startswith(b"<!--", at):
            end = head.find(b"-->", at + 4)
        elif head.startswith((b"<!DOCTYPE", b"<!ENTITY"), at):
            return at, True
        else:
            return None, at < len(head)
        if end < 0:
            return None, False
        at = end + 2 if head[end] == 0x3F else end + 3
