"""Small files linted together (engine.lint_files_together, as `sfprep lint` does for a folder)
get exactly the findings each gets when linted alone (engine.lint_file)."""
from __future__ import annotations

import shutil
from dataclasses import replace

from sfprep.core.config import Settings
from sfprep.core.profiles import load_profile
from sfprep.salesforce.describe import DescribeSource
from sfprep.linter.engine import lint_file, lint_files_together
from sfprep.linter.runner import batches
from sfprep.linter.targets import LintTarget, job_for
from sfprep.linter.registry import select_rules
from tests.helpers import FIXTURES

RULE_FIXTURES = sorted((FIXTURES / "rules").glob("*/*.csv"))


def _arguments(paths, describe=None, **settings_fields):
    settings = replace(Settings(), describe=describe, **settings_fields)
    profile = load_profile(settings.profile, settings.limits)
    describes = DescribeSource(describe)
    rules = select_rules(["ALL"])
    return [(str(path), job_for(path, settings), profile, rules, None, describes, settings) for path in paths]


def _as_compared(result):
    return (result.path, result.records, sorted(result.skipped_rules),
            [(f.finding.code, f.finding.line, f.finding.column, f.finding.message, f.severity,
              f.finding.fix.edits if f.finding.fix else None) for f in result.findings])


def _alone_and_together(arguments):
    alone = [_as_compared(lint_file(*a)) for a in arguments]
    together = [_as_compared(r) for r in lint_files_together(arguments)]
    return alone, together


def test_every_rule_fixture_gets_the_same_findings_together_as_alone():
    alone, together = _alone_and_together(_arguments(RULE_FIXTURES))
    assert len(alone) > 200
    assert any(findings for *_, findings in alone)
    assert together == alone


def test_with_describes_the_same_findings_together_as_alone():
    arguments = _arguments(RULE_FIXTURES, describe=str(FIXTURES / "describe"))
    alone, together = _alone_and_together(arguments)
    assert together == alone


def test_copies_of_one_file_under_different_jobs_keep_their_own_findings(tmp_path):
    # The same header and values: an insert and an update of Account differ (V004 on update),
    # so their checks must not be shared even though their columns are.
    source = FIXTURES / "rules" / "V004" / "bad.csv"
    insert, update = tmp_path / "Account.csv", tmp_path / "Account.update.csv"
    shutil.copyfile(source, insert)
    shutil.copyfile(source, update)
    alone, together = _alone_and_together(_arguments([insert, update, insert]))
    assert together == alone
    codes = [{code for code, *_ in findings} for *_, findings in together]
    assert codes[0] == codes[2] != codes[1]


def test_date_columns_are_inferred_per_file_not_per_batch(tmp_path):
    # Same header; in one file `Day` holds dates, in the other free text: V005 only in the first.
    dates, text = tmp_path / "a.csv", tmp_path / "b.csv"
    dates.write_text("Name,Day\nA,2023-01-02\nB,03/04/2023\nC,2023-05-06\nD,2023-07-08\nE,2023-09-10\n")
    text.write_text("Name,Day\nA,soon\nB,03/04/2023\nC,later\nD,never\nE,maybe\n")
    alone, together = _alone_and_together(_arguments([dates, text]))
    assert together == alone
    assert [[(code, line) for code, line, *_ in findings if code == "V005"] for *_, findings in together] \
        == [[("V005", 3)], []]


def test_batches_keep_order_and_put_big_files_alone(tmp_path):
    small = [tmp_path / f"s{i}.csv" for i in range(10)]
    for path in small:
        path.write_text("Name\nAcme\n")
    big = tmp_path / "big.csv"
    big.write_bytes(b"Name\n" + b"x" * (9 << 20) + b"\n")
    files = small[:5] + [big] + small[5:]
    grouped = [[t.path for t in batch] for batch in batches(_targets(files), workers=1)]
    assert [path for batch in grouped for path in batch] == files
    assert [big] in grouped
    assert all(len(batch) <= 64 for batch in grouped)
    assert len(batches(_targets(small), workers=2)) >= 2  # both workers get work


def _targets(paths):
    return [LintTarget(path, job_for(path, Settings()), ()) for path in paths]


def test_declared_checks_follow_the_settings_of_each_run(tmp_path):
    """Checks are cached per run; a later run in the same process with other settings (here the
    date format V005's fix reads) must not get the earlier run's checks."""
    from tests.helpers import run_cli

    load = tmp_path / "Contact.csv"
    load.write_text("LastName,Birthdate\nA,2023-01-02\nB,03/04/2023\nC,2023-05-06\nD,2023-07-08\n")
    fixed = {}
    for date_format in ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%Y"):
        code, out, err = run_cli("fix", "--diff", "--unsafe-fixes", "--date-format", date_format, load)
        fixed.setdefault(date_format, set()).add(out)
    assert any("2023-03-04" in out for out in fixed["%m/%d/%Y"])
    assert any("2023-04-03" in out for out in fixed["%d/%m/%Y"])
    assert len(fixed["%m/%d/%Y"]) == 1  # the same answer both times
