"""A bulk1 XML batch's result list (`<results><result><id/><success/><created/><errors>`),
read with lxml hardened as the XML reader is (a file object, no DOCTYPE, no entities, no
network, no DTD, no huge tree)."""
from __future__ import annotations

import polars as pl

from sfprep.core.model import UsageError
from sfprep.reconciler.results import CREATED, ERROR, FAILED, ID, OUTCOME, ROW, SUCCESS


def read_xml_results(path: str) -> pl.DataFrame:
    from lxml import etree

    from sfprep.io.xml.prolog import read_prolog

    ids, successes, created, errors = [], [], [], []
    with open(path, "rb") as stream:
        prolog = read_prolog(stream)
        if prolog.doctype_offset is not None:
            raise UsageError(f"{path}: line {prolog.doctype_line}: a result list has no DOCTYPE: refused, unread")
        stream.seek(0)
        parser = etree.iterparse(stream, events=("end",), tag="{*}result", resolve_entities=False,
                                 no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
                                 remove_comments=True, remove_pis=True, recover=False)
        try:
            for _, element in parser:
                fields = {_local(child.tag): child for child in element}
                ids.append((fields["id"].text or "").strip() if "id" in fields else "")
                successes.append(_text(fields.get("success")) == "true")
                created.append(_text(fields.get("created")) == "true")
                errors.append(" ".join(_error_text(child) for child in element if _local(child.tag) == "errors"))
                element.clear()
        except etree.XMLSyntaxError as error:
            raise UsageError(f"{path}: line {error.lineno}: not a result list: {error.msg}") from None
    return pl.DataFrame({
        OUTCOME: [SUCCESS if ok else FAILED for ok in successes], ID: ids, CREATED: created, ERROR: errors,
        ROW: pl.int_range(1, len(ids) + 1, dtype=pl.Int64, eager=True)},
        schema={OUTCOME: pl.String, ID: pl.String, CREATED: pl.Boolean, ERROR: pl.String, ROW: pl.Int64})


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str:
    return (element.text or "").strip().lower() if element is not None else ""


def _error_text(errors) -> str:
    """One `<errors>` element as the CSV results write it: `STATUS_CODE:message:fields --`."""
    parts = {"statusCode": "", "message": ""}
    fields = []
    for child in errors:
        name = _local(child.tag)
        if name == "fields":
            fields.append((child.text or "").strip())
        elif name in parts:
            parts[name] = (child.text or "").strip()
    return f"{parts['statusCode']}:{parts['message']}:{','.join(fields)} --"
