"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

A result's region is the character where the problem is (`startColumn` counts Unicode code
points in the physical line, as `columnKind` says); the field position is the result's
`fieldPosition` property. Rules that could not run are the invocation's notifications.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from sfprep import __version__
from sfprep.core.model import FileResult, Severity, StampedFinding
from sfprep.report.source import Spot, spots_of

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(results: list[FileResult], out) -> None:
    codes = sorted({f.code for r in results for f in r.findings})
    sarif_results = []
    for result in results:
        spots = spots_of(result)
        sarif_results += [_result(stamped, codes, spots.get(stamped.finding.offset)) for stamped in result.findings]
    run = {"tool": {"driver": _driver(codes)}, "invocations": [_invocation(results)],
           "columnKind": "unicodeCodePoints", "results": sarif_results}
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def artifact_uri(path: str) -> str:
    """A path as a URI reference: relative paths stay relative, absolute ones become file: URIs."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path.replace(os.sep, "/"))


def _driver(codes: list[str]) -> dict:
    from sfprep.linter.registry import all_rules

    rules = all_rules()
    return {
        "name": "sfprep", "version": __version__, "informationUri": "https://pypi.org/project/sfprep/",
        "rules": [{"id": code, "name": rules[code].name,
                   "shortDescription": {"text": rules[code].summary},
                   "fullDescription": {"text": rules[code].section("What it checks")},
                   "defaultConfiguration": {"level": _LEVEL[rules[code].severity]}} for code in codes],
    }


def _result(stamped: StampedFinding, codes: list[str], spot: Spot | None) -> dict:
    f = stamped.finding
    region = {"startLine": f.line or 1}
    if spot is not None and f.line is not None:
        region["startColumn"] = spot.column + 1
    result = {
        "ruleId": f.code, "ruleIndex": codes.index(f.code), "level": _LEVEL[stamped.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(stamped.path)},
                                            "region": region}}],
    }
    if f.column is not None:
        result["properties"] = {"fieldPosition": f.column}
    return result


def _invocation(results: list[FileResult]) -> dict:
    """The run itself; each rule skipped for a reason is one notification naming its files."""
    skipped: dict[tuple[str, str], list[str]] = {}
    for result in results:
        for code, reason in result.skipped_rules:
            skipped.setdefault((code, reason), []).append(result.path)
    notifications = [
        {"level": "note", "message": {"text": f"{code} skipped: {reason}"}, "associatedRule": {"id": code},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}}} for path in paths]}
        for (code, reason), paths in sorted(skipped.items())]
    invocation: dict = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation
