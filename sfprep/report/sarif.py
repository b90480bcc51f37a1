"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""
from __future__ import annotations

import json

from sfprep import __version__
from sfprep.core.model import FileResult, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(results: list[FileResult], out) -> None:
    from sfprep.linter.registry import all_rules

    codes = sorted({f.code for r in results for f in r.findings})
    rules = all_rules()
    driver = {
        "name": "sfprep", "version": __version__, "informationUri": "https://pypi.org/project/sfprep/",
        "rules": [{"id": code, "name": rules[code].name,
                   "shortDescription": {"text": rules[code].summary},
                   "fullDescription": {"text": rules[code].section("What it checks")},
                   "defaultConfiguration": {"level": _LEVEL[rules[code].severity]}} for code in codes],
    }
    sarif_results = []
    for result in results:
        for stamped in result.findings:
            f = stamped.finding
            region = {"startLine": f.line} if f.line else {"startLine": 1}
            if f.column:
                region["startColumn"] = f.column
            sarif_results.append({
                "ruleId": f.code, "ruleIndex": codes.index(f.code), "level": _LEVEL[stamped.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": stamped.path}, "region": region}}],
            })
    document = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                "runs": [{"tool": {"driver": driver}, "results": sarif_results}]}
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
