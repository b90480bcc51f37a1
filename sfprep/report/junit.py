"""`--format junit`: one test suite per file, one failing test case per finding and one
skipped test case per rule that could not run (CI dashboards)."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from sfprep.core.model import FileResult, Severity

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def quoteattr(text: str) -> str:
    """An XML attribute value; characters XML 1.0 cannot hold become U+FFFD."""
    return _quoteattr(_NOT_XML.sub("\ufffd", text))


def render(results: list[FileResult], out) -> None:
    tests = sum(_test_count(result) for result in results)
    failures = sum(len(result.findings) for result in results)
    skipped = sum(len(result.skipped_rules) for result in results)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="sfprep" tests="{tests}" failures="{failures}" skipped="{skipped}">\n')
    for result in results:
        _write_suite(result, out)
    out.write('</testsuites>\n')


def _test_count(result: FileResult) -> int:
    """A case per finding (one passing case when there is none), and one per skipped rule."""
    return max(len(result.findings), 1) + len(result.skipped_rules)


def _write_suite(result: FileResult, out) -> None:
    classname = quoteattr(result.path)
    out.write(f'  <testsuite name={classname} tests="{_test_count(result)}" failures="{len(result.findings)}" '
              f'errors="0" skipped="{len(result.skipped_rules)}">\n')
    if not result.findings:
        out.write(f'    <testcase name="sfprep" classname={classname}/>\n')
    for stamped in result.findings:
        f = stamped.finding
        where = ":".join(str(v) for v in (f.line, f.column) if v is not None) or "file"
        kind = "error" if stamped.severity == Severity.ERROR else stamped.severity.word
        out.write(f'    <testcase name={quoteattr(f"{f.code} at {where}")} classname={classname}>\n'
                  f'      <failure type={quoteattr(f.code)} message={quoteattr(f.message)}>'
                  f'{kind}: {_escape(stamped.rule_name)}</failure>\n'
                  '    </testcase>\n')
    for code, reason in result.skipped_rules:
        out.write(f'    <testcase name={quoteattr(f"{code} skipped")} classname={classname}>\n'
                  f'      <skipped message={quoteattr(reason)}/>\n'
                  '    </testcase>\n')
    out.write('  </testsuite>\n')
