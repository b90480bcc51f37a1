"""`--format junit`: one test suite per file, one failing test case per finding (CI dashboards)."""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr as _quoteattr

from sfprep.core.model import FileResult, Severity


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def quoteattr(text: str) -> str:
    """An XML attribute value; characters XML 1.0 cannot hold become U+FFFD."""
    return _quoteattr(_NOT_XML.sub("\ufffd", text))


def render(results: list[FileResult], out) -> None:
    total = sum(len(r.findings) for r in results)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="sfprep" tests="{max(total, len(results))}" failures="{total}">\n')
    for result in results:
        findings = result.findings
        out.write(f'  <testsuite name={quoteattr(result.path)} tests="{max(len(findings), 1)}" '
                  f'failures="{len(findings)}">\n')
        if not findings:
            out.write(f'    <testcase name="sfprep" classname={quoteattr(result.path)}/>\n')
        for stamped in findings:
            f = stamped.finding
            where = ":".join(str(v) for v in (f.line, f.column) if v is not None) or "file"
            kind = "error" if stamped.severity == Severity.ERROR else stamped.severity.word
            out.write(f'    <testcase name={quoteattr(f"{f.code} at {where}")} classname={quoteattr(result.path)}>\n')
            out.write(f'      <failure type={quoteattr(f.code)} message={quoteattr(f.message)}>'
                      f'{kind}: {stamped.rule_name}</failure>\n')
            out.write('    </testcase>\n')
        out.write('  </testsuite>\n')
    out.write('</testsuites>\n')
