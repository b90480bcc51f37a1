"""Findings grouped by rule and column (report/groups.py) and the `full` report built on them.

Expected groups and lines are worked out by hand from the findings (or the file) each test
builds; a report iterates a file's findings once, and never asks how many there are.
"""
from __future__ import annotations

import io
import re

import pytest

from sfprep.core.model import FileResult, Finding, Fix, Severity, StampedFinding
from sfprep.report import full, html, summarise
from sfprep.report.groups import Tally, group_findings
from tests.helpers import invoke, write

PATH = "Account.csv"


def stamped(code: str, line: int | None, column: int | None = None, field: str | None = None,
            severity: Severity = Severity.ERROR, fix: Fix | None = None, offset: int | None = None) -> StampedFinding:
    return StampedFinding(PATH, severity, f"rule-{code.lower()}",
                          Finding(code, f"{code} at {line}", line=line, column=column, field=field,
                                  offset=offset, fix=fix))


class OnceOnly:
    """A file's findings as a stream: iterable once, with no length, no indexing, no truth value."""

    def __init__(self, findings):
        self._findings = findings
        self.iterations = 0

    def __iter__(self):
        self.iterations += 1
        assert self.iterations == 1, "the findings were iterated twice"
        return iter(self._findings)

    def __bool__(self):
        raise AssertionError("a report asked whether the findings are empty")

    def __len__(self):
        raise AssertionError("a report asked how many findings there are")


# --- groups ------------------------------------------------------------------------------

def test_groups_by_rule_and_column_in_the_file_order_of_their_first_finding():
    # a file-level F003, then V005 on field 2 of lines 2..13, Q004 on field 1 of lines 3 and 5
    findings = [stamped("L004", None)]
    for line in range(2, 14):
        if line in (3, 5):
            findings.append(stamped("Q004", line, 1))
        findings.append(stamped("V005", line, 2, "CloseDate__c"))
    groups = group_findings(iter(findings))
    assert [(g.code, g.column, g.field, g.total) for g in groups] == [
        ("L004", None, None, 1), ("V005", 2, "CloseDate__c", 12), ("Q004", 1, None, 2)]
    l004, v005, q004 = groups
    assert [s.finding.line for s in v005.shown] == [2, 3, 4, 5, 6]
    assert (v005.rest, v005.rest_first_line, v005.rest_last_line) == (7, 7, 13)
    assert v005.more_line() == "and 7 more V005 in CloseDate__c (lines 7-13)"
    assert [s.finding.line for s in q004.shown] == [3, 5] and q004.rest == 0
    assert l004.shown[0].finding.line is None and l004.rest == 0


def test_one_rule_in_two_columns_is_two_groups_and_a_group_takes_its_gravest_severity():
    findings = [stamped("V001", 2, 1, "Name", Severity.WARNING), stamped("V001", 2, 3, "Note", Severity.WARNING),
                stamped("V001", 3, 1, "Name", Severity.ERROR)]
    groups = group_findings(findings)
    assert [(g.code, g.field, g.total, g.severity) for g in groups] == [
        ("V001", "Name", 2, Severity.ERROR), ("V001", "Note", 1, Severity.WARNING)]


def test_the_more_line_names_the_column_and_the_lines_it_has():
    def more(findings, keep=1):
        [group] = group_findings(findings, keep)
        return group.more_line()

    assert more([stamped("O004", 2, 1, "Id"), stamped("O004", 3, 1, "Id")]) == "and 1 more O004 in Id (line 3)"
    assert more([stamped("Q004", 2, 4)] * 3) == "and 2 more Q004 in field 4 (line 2)"
    assert more([stamped("F004", 3), stamped("F004", 9), stamped("F004", 1_000_001)]) == (
        "and 2 more F004 (lines 9-1,000,001)")
    assert more([stamped("L004", None)] * 2) == "and 1 more L004"


def test_show_all_keeps_every_finding():
    [group] = group_findings([stamped("V005", line, 2) for line in range(2, 12)], keep=None)
    assert len(group.shown) == 10 and group.rest == 0


def test_a_group_of_200_000_findings_keeps_five_in_bounded_memory():
    alive = [0, 0]  # [findings alive now, most alive at once]

    class Watched(StampedFinding):
        def __del__(self):
            alive[0] -= 1

    def stream(count):
        for i in range(count):
            alive[0] += 1
            alive[1] = max(alive)
            yield Watched(PATH, Severity.ERROR, "id-on-insert", Finding("O004", "Id", line=2 + i, column=1, field="Id"))

    [group] = group_findings(stream(200_000))
    assert [s.finding.line for s in group.shown] == [2, 3, 4, 5, 6]
    assert (group.total, group.rest_first_line, group.rest_last_line) == (200_000, 7, 200_001)
    assert alive[1] <= 7, f"{alive[1]:,} findings were alive at once: findings past the fifth were kept"


def test_the_tally_gives_the_summary_of_all_findings():
    safe, unsafe = Fix.safe("x"), Fix.unsafe("y")
    first = [stamped("Q004", 2, 1, fix=safe), stamped("V001", 3, 2, severity=Severity.WARNING, fix=unsafe),
             stamped("V001", 4, 2, severity=Severity.WARNING, fix=unsafe), stamped("F005", 5, severity=Severity.INFO)]
    results = [FileResult("a.csv", findings=first), FileResult("b.csv"), FileResult("c.csv", findings=first[:1])]
    tally = Tally()
    for result in results:
        group_findings(result.findings, tally=tally)
    assert tally.summary() == summarise(results)
    assert (tally.summary().fixable, tally.summary().unsafe_fixable, tally.summary().files_with_findings) == (2, 2, 2)
    assert tally.by_code == {"Q004": 2, "V001": 2, "F005": 1}


@pytest.mark.parametrize("render", [full.render, html.render], ids=["full", "html"])
def test_reports_iterate_the_findings_once_and_never_count_them(render, tmp_path):
    data = write(tmp_path / PATH, "Name,CloseDate__c\n" + "Acme,01/12/2020\n" * 8)
    findings = OnceOnly([StampedFinding(str(data), Severity.ERROR, "date-not-iso",
                                        Finding("V005", "not a date", line=2 + i, column=2, field="CloseDate__c",
                                                offset=18 + 16 * i + 5)) for i in range(8)])
    empty = OnceOnly([])
    out = io.StringIO()
    render([FileResult(str(data), findings=findings), FileResult("clean.csv", findings=empty)], out)
    assert findings.iterations == empty.iterations == 1
    assert "and 3 more V005 in CloseDate__c (lines 7-9)" in out.getvalue()
    if render is full.render:
        assert "8 errors, 0 warnings in 1 file (2 files checked)" in out.getvalue()


def test_full_renders_five_findings_of_fifty_thousand_and_reads_the_file_once(tmp_path, monkeypatch):
    line = "Acme,01/12/2020\n"
    data = write(tmp_path / PATH, "Name,CloseDate__c\n" + line * 50_000)
    findings = (StampedFinding(str(data), Severity.ERROR, "date-not-iso",
                               Finding("V005", "not a date", line=2 + i, column=2, field="CloseDate__c",
                                       offset=18 + len(line) * i + 5)) for i in range(50_000))
    rendered = []
    real = full._finding
    monkeypatch.setattr(full, "_finding", lambda console, s, spot, escape: rendered.append(spot) or real(
        console, s, spot, escape))
    out = io.StringIO()
    full.render([FileResult(str(data), findings=findings)], out)
    assert len(rendered) == 5 and all(spot is not None and spot.column == 5 for spot in rendered)
    assert "... and 49,995 more V005 in CloseDate__c (lines 7-50,001)" in out.getvalue().splitlines()


# --- `sfprep lint --format full` ---------------------------------------------------------

# By hand: CloseDate__c (a date field's name, values with digits) holds 12 non-ISO dates on
# lines 2..13, one V005 each on field 2; `"Acme" ,` on lines 2 and 4 is a Q004 on field 1.
# Line 2 has both, Q004 first (field 1): the Q004 group comes first.
def _dirty(tmp_path):
    rows = [('"Acme" ' if line in (2, 4) else "Acme") + f",{line:02d}/12/2020" for line in range(2, 14)]
    return write(tmp_path / PATH, "Name,CloseDate__c\n" + "\n".join(rows) + "\n")


def _locations(out: str) -> list[str]:
    return [line.strip()[len("--> "):] for line in out.splitlines() if line.strip().startswith("--> ")]


def test_full_shows_five_findings_per_rule_and_column_and_counts_the_rest(tmp_path):
    data = _dirty(tmp_path)
    code, out, _ = invoke("lint", "--no-progress", "--format", "full", data)
    assert code == 1
    assert _locations(out) == [f"{data}:{line}:{field}" for line, field in
                               [(2, 1), (4, 1), (2, 2), (3, 2), (4, 2), (5, 2), (6, 2)]]
    lines = out.splitlines()
    assert "... and 7 more V005 in CloseDate__c (lines 7-13)" in lines
    assert sum(line.startswith("...") for line in lines) == 1, "the Q004 group has no rest"
    assert any(line.startswith("skipped H008") for line in lines)
    assert any(line.startswith("14 errors, 0 warnings in 1 file (1 file checked)") for line in lines), lines[-3:]


def test_show_all_prints_every_finding_in_file_order(tmp_path):
    data = _dirty(tmp_path)
    code, out, _ = invoke("lint", "--no-progress", "--format", "full", "--show-all", data)
    assert code == 1
    expected = [(2, 1), (2, 2), (3, 2), (4, 1)] + [(line, 2) for line in range(4, 14)]
    assert _locations(out) == [f"{data}:{line}:{field}" for line, field in expected]
    assert not any(line.startswith("... and") for line in out.splitlines())


def test_a_shown_finding_is_printed_byte_for_byte_as_with_show_all(tmp_path):
    data = _dirty(tmp_path)
    _, grouped, _ = invoke("lint", "--no-progress", "--format", "full", data)
    _, every, _ = invoke("lint", "--no-progress", "--format", "full", "--show-all", data)
    blocks = [block.split("\n", 1)[1] if block.startswith(str(data)) else block  # less the file's rule line
              for block in grouped.split("\n\n")]
    blocks = [block for block in blocks if re.match(r"[A-Z]\d{3} ", block)]
    assert len(blocks) == 7
    every_blocks = [block.split("\n", 1)[1] if block.startswith(str(data)) else block
                    for block in every.split("\n\n")]
    for block in blocks:
        assert block in every_blocks, f"not as --show-all prints it:\n{block}"
    assert blocks[2] == "\n".join([
        "V005 '02/12/2020' in CloseDate__c (inferred from its values) is not yyyy-MM-dd; give --date-format to fix",
        f"  --> {data}:2:2",
        '2 | "Acme" ,02/12/2020',
        "  |         ^",
        "  = error: date-not-iso; fix with `sfprep fix --unsafe-fixes --date-format FMT` (FMT as in strptime, "
        "e.g. %m/%d/%Y)"])


def test_show_all_with_a_report_file(tmp_path):
    data = _dirty(tmp_path)
    target = tmp_path / "report.txt"
    code, out, _ = invoke("lint", "--no-progress", "--format", "full", "--show-all", "--output", target, data)
    assert code == 1 and out == ""
    assert len(_locations(target.read_text(encoding="utf-8"))) == 14


def _store_with_a_batch_and_objects():
    """A FindingStore holding, in file order: one object, a batch of 9 findings over two
    columns (some on no line), and a later object of the batch's rule and column."""
    from sfprep.core.batch import batch, stamp
    from sfprep.core.findings import FindingStore

    store = FindingStore(PATH)
    store.rule_names["V005"] = "rule-v005"
    store.add(stamped("F002", 1), bucket=0)
    lines = [2, 3, None, 5, 6, 7, 8, 9, 10]
    columns = [2, 3, 2, 2, 2, 2, 3, 2, 2]
    found = batch(lines=lines, columns=columns, messages=[f"V005 at {line}" for line in lines])
    store.add(stamp(found, "V005", Severity.WARNING), bucket=1)
    store.close(0)
    store.close(1)
    store.add(stamped("V005", 11, column=2, severity=Severity.ERROR), bucket=2)
    store.close(2)
    store.finish()
    return store


def test_a_stores_batches_are_grouped_as_its_findings_one_by_one():
    store = _store_with_a_batch_and_objects()
    by_frames, by_objects = Tally(), Tally()
    grouped = group_findings(store, tally=by_frames)
    one_by_one = group_findings(list(store), tally=by_objects)

    def described(groups):
        return [(g.code, g.column, g.severity, g.total, [s.finding.line for s in g.shown], g.rest_first_line,
                 g.rest_last_line) for g in groups]

    # the finding on no line sorts first (file order puts it before line 1)
    assert described(grouped) == described(one_by_one) == [
        ("V005", 2, Severity.ERROR, 8, [None, 2, 5, 6, 7], 9, 11),
        ("F002", None, Severity.ERROR, 1, [1], None, None),
        ("V005", 3, Severity.WARNING, 2, [3, 8], None, None)]
    assert by_frames.summary() == by_objects.summary()
    assert by_frames.by_code == by_objects.by_code == {"F002": 1, "V005": 10}
