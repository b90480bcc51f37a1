"""Properties of `sfprep fix` (../shared/spec/CLI.md, RULES.md column "fix").

Over every CSV under tests/fixtures/rules (with that file's own `.args`, else its folder's
`args`, as tests/rules/test_rules.py reads them) and every CSV under ../shared/corpus:

(a) fixing a second time changes nothing;
(b) after a safe fix no finding with a safe fix is left;
(c) safe fixes keep every value (Python's csv module reads the same data rows before and
    after; the files it cannot read the way Salesforce does are left out, each with why);
(d) `fix --diff` writes nothing and prints a unified diff that turns the file into what
    `fix` writes;

and on purpose-built files:

(e) a kill -9 in the middle of fixing a large file leaves the original or the fixed file,
    and nothing else, in the folder;
(f) the file's permissions are kept;
(g) files whose fixes overlap still converge;
(h) a read-only folder is a usage error (exit 2, one line), the file untouched.

Every file is copied into a temporary folder before it is fixed; nothing under tests/ or
../shared is ever written.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sfprep.cli import main
from tests.helpers import CORPUS, FIXTURES, REPO, lint_json, run_cli

RULE_FIXTURES = FIXTURES / "rules"
NO_CORPUS = "../shared/corpus is not beside this clone; the corpus part of the fix properties needs it"
# Codes whose finding means Python's csv module does not read the file the way sfprep and
# Salesforce do, so "the csv module reads the same rows" says nothing about kept values:
NOT_COMPARABLE = {
    "F001": "not UTF-8: there is no text to compare before the file is re-encoded",
    "F005": "NUL/control bytes: the csv module rejects or mangles them",
    "Q002": "stray quote: the csv module reads `ab\"c` differently from RFC 4180",
    "Q003": "unterminated quote: the csv module's reading of the rest of the file is arbitrary",
    "Q004": "junk outside quotes: the csv module keeps `\"a\" ,` as `a ` and ` \"b\"` as ` \"b\"`, "
            "while the fix (rightly) removes the spaces",
    "Q005": "unescaped quote in a quoted value: the csv module's reading is arbitrary",
}
DELIMITER_CANDIDATES = "\t;|^`"


# --- the cases ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    path: Path
    args: tuple[str, ...]


def _file_args(path: Path) -> tuple[str, ...]:
    """The file's own `<stem>.args`, else its folder's `args` ({here}/{fixtures} substituted)."""
    for args_file in (path.with_suffix(".args"), path.parent / "args"):
        if args_file.exists():
            return tuple(shlex.split(args_file.read_text().format(here=path.parent, fixtures=FIXTURES)))
    return ()


def _fixture_cases() -> list:
    return [pytest.param(Case(f"fixtures/{p.relative_to(RULE_FIXTURES)}", p, _file_args(p)),
                         id=f"fixtures/{p.relative_to(RULE_FIXTURES)}")
            for p in sorted(RULE_FIXTURES.rglob("*.csv"))]


def _corpus_cases() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    return [pytest.param(Case(f"corpus/{p.relative_to(CORPUS)}", p, ()), id=f"corpus/{p.relative_to(CORPUS)}")
            for p in sorted(CORPUS.rglob("*.csv"))]


CASES = _fixture_cases() + _corpus_cases()
ALL_RULES = ("--select", "ALL")


@dataclass
class Fixed:
    before: bytes
    after: bytes
    report_before: dict   # lint JSON of the original
    exit_code: int
    stderr: str


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    """case -> Fixed: the case's file fixed once (safe fixes, all rules), cached per module."""
    root = tmp_path_factory.mktemp("fixed-once")
    cache: dict[str, Fixed] = {}

    def get(case: Case) -> Fixed:
        if case.id not in cache:
            work = root / str(len(cache))
            work.mkdir()
            target = work / case.path.name  # same name: the object may come from it
            shutil.copyfile(case.path, target)
            _, report = lint_json(*ALL_RULES, *case.args, target)
            code, _, err = run_cli("fix", *ALL_RULES, *case.args, "--no-progress", "--exit-zero",
                                   "--format", "json", target)
            cache[case.id] = Fixed(case.path.read_bytes(), target.read_bytes(), report, code, err)
        return cache[case.id]
    return get


def _diff(*args) -> tuple[int, str, str]:
    """`sfprep fix --diff ARGS...` in-process; stdout exactly as printed (click's
    Result.stdout would turn CRLF into LF)."""
    result = CliRunner().invoke(main, ["fix", "--diff", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr


def _copy(case: Case, folder: Path, content: bytes | None = None) -> Path:
    target = folder / case.path.name
    target.write_bytes(case.path.read_bytes() if content is None else content)
    return target


def _fixable(report: dict, applicability: str = "safe") -> list[dict]:
    return [f for f in report["findings"] if f["fix"] and f["fix"]["applicability"] == applicability]


def _codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


# --- (a) (b) (c) (d) over every fixture and corpus file ----------------------------------

@pytest.mark.parametrize("case", CASES)
def test_fixing_twice_changes_nothing(case, fixed, tmp_path):
    once = fixed(case)
    assert once.exit_code == 0, once.stderr
    target = _copy(case, tmp_path, once.after)
    code, _, err = run_cli("fix", *ALL_RULES, *case.args, "--no-progress", "--exit-zero", target)
    assert code == 0, err
    assert target.read_bytes() == once.after


@pytest.mark.parametrize("case", CASES)
def test_no_safe_fix_is_left_after_fixing(case, fixed, tmp_path):
    once = fixed(case)
    assert once.exit_code == 0, once.stderr
    target = _copy(case, tmp_path, once.after)
    _, report = lint_json(*ALL_RULES, *case.args, target)
    left = [(f["code"], f["line"], f["column"], f["message"]) for f in _fixable(report)]
    assert left == []


def _rows(data: bytes, delimiter: str) -> list[list[str]]:
    """Rows as Python's csv module reads them, blank lines (which it gives as []) left out."""
    csv.field_size_limit(sys.maxsize)
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    return [row for row in csv.reader(text, delimiter=delimiter) if row != []]


def _delimiter(data: bytes, report: dict) -> str:
    """The file's delimiter: a comma, unless a fixable Q001 says it is another one, then the
    candidate that occurs most in the first line."""
    if not any(f["code"] == "Q001" and f["fix"] for f in report["findings"]):
        return ","
    first_line = data.decode("utf-8-sig").splitlines()[0]
    return max(DELIMITER_CANDIDATES, key=first_line.count)


@pytest.mark.parametrize("case", CASES)
def test_safe_fixes_keep_every_value(case, fixed):
    """Data rows are equal before and after; header names may change (H003/H006/H007 rename
    them, that is their fix), their number may not. Blank lines (F006) and record
    terminators (F004) are not values; a Q001 file is read with its own delimiter before
    and with commas after."""
    once = fixed(case)
    assert once.exit_code == 0, once.stderr
    skip = sorted(_codes(once.report_before) & NOT_COMPARABLE.keys())
    if skip:
        pytest.skip("; ".join(f"{code}: {NOT_COMPARABLE[code]}" for code in skip))
    before = _rows(once.before, _delimiter(once.before, once.report_before))
    after = _rows(once.after, ",")
    assert len(after) == len(before)
    if before:
        assert len(after[0]) == len(before[0]), "the header lost or gained a column"
    assert after[1:] == before[1:]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _apply_diff(old: str, diff: str) -> str:
    """Apply sfprep's unified diff to `old`. Like GNU diff, sfprep splits both versions on LF
    only (a CR is part of its line) and prints `\\ No newline at end of file` after a last
    line that does not end with LF."""
    old_lines = re.findall(r"[^\n]*\n|[^\n]+$", old)
    lines = diff.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    assert lines[0].startswith("--- a/") and lines[1].startswith("+++ b/"), lines[:2]
    out: list[str] = []
    position = 0
    index = 2
    while index < len(lines):
        hunk = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[index])
        assert hunk, f"not a hunk header: {lines[index]!r}"
        start, length = int(hunk[1]), int(hunk[2] if hunk[2] is not None else 1)
        start = start - 1 if length else start
        out.extend(old_lines[position:start])
        position = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            index += 1
            content = line[1:]
            if index < len(lines) and lines[index] == "\\ No newline at end of file":
                index += 1
            else:
                content += "\n"
            if line[0] in " -":
                assert old_lines[position] == content, (position, old_lines[position], content)
                position += 1
            if line[0] in " +":
                out.append(content)
    out.extend(old_lines[position:])
    return "".join(out)


@pytest.mark.parametrize("case", CASES)
def test_diff_writes_nothing_and_shows_the_fix(case, fixed, tmp_path):
    once = fixed(case)
    target = _copy(case, tmp_path)
    past = time.time() - 3600
    os.utime(target, (past, past))
    mtime = target.stat().st_mtime_ns
    code, out, err = _diff(*ALL_RULES, *case.args, "--no-progress", target)
    assert code in (0, 1), err
    assert target.read_bytes() == once.before
    assert target.stat().st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == [target.name]
    if once.after == once.before:
        assert out == ""
        return
    assert out.startswith("--- a/")
    if _is_utf8(once.before):  # else sfprep prints U+FFFD for the bytes: the diff is for reading only
        assert _apply_diff(once.before.decode("utf-8"), out) == once.after.decode("utf-8")


def test_diff_marks_only_a_missing_final_newline(fixed, tmp_path):
    """`\\ No newline at end of file` belongs after the last line of a file that does not end
    with LF, at most once per side (as in GNU diff, a CR does not end a line)."""
    wrong = []
    for param in CASES:
        case = param.values[0]
        if case is None:
            continue
        once = fixed(case)
        if once.after == once.before or not _is_utf8(once.before):
            continue  # no diff; or bytes that are not text (the diff is for reading only)
        target = _copy(case, tmp_path)
        _, out, _ = _diff(*ALL_RULES, *case.args, "--no-progress", target)
        allowed = sum(not text.endswith(b"\n") for text in (once.before, once.after) if text)
        markers = out.count("\n\\ No newline at end of file\n")
        if markers > allowed:
            wrong.append(f"{case.id}: {markers} markers, at most {allowed} expected")
    assert not wrong, "\n".join(wrong)


# --- (e) kill -9 while fixing a large file -----------------------------------------------

BIG_RECORD = b"Acme Corporation,Some note text for the record,Paris\n"
BIG_BAD_RECORD = b'"Acme Corporation" ,Some note text for the record,Paris\n'   # Q004, fixable
BIG_FIXED_RECORD = b'"Acme Corporation",Some note text for the record,Paris\n'  # what Q004's fix makes of it
BIG_HEADER = b"Name,Note,City\n"
BIG_BLOCKS = 75  # x 1,000 x 10 records: ~40 MB, a full fix takes ~5 s on a 2-core machine


def _write_big(path: Path, record_10: bytes) -> str:
    """Write the header and BIG_BLOCKS blocks of 1,000 times `record_10`; return the sha256."""
    digest = hashlib.sha256(BIG_HEADER)
    block = record_10 * 1000
    with open(path, "wb") as out:
        out.write(BIG_HEADER)
        for _ in range(BIG_BLOCKS):
            out.write(block)
            digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fix_process(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sfprep", "fix", "--no-progress", str(path)],
                            cwd=path.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _writing(process: subprocess.Popen, folder: Path, source: Path) -> bool:
    """Whether the process holds a file in `folder` other than `source` (the new version)."""
    folder, source = folder.resolve(), source.resolve()
    try:
        fds = os.listdir(f"/proc/{process.pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{process.pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith(f"{folder}/") and link != str(source):
            return True
    return False


def _run_watched(process: subprocess.Popen, folder: Path, source: Path) -> tuple[float, float | None, float | None]:
    """Wait for the process; return (total, when the new file was opened, when closed)."""
    start = time.monotonic()
    opened = closed = None
    while process.poll() is None:
        writing = _writing(process, folder, source)
        now = time.monotonic() - start
        if writing and opened is None:
            opened = now
        if not writing and opened is not None and closed is None:
            closed = now
        time.sleep(0.005)
    return time.monotonic() - start, opened, closed


def test_kill_9_leaves_the_original_or_the_fixed_file(tmp_path):
    """The brief's ~300 MB would take ~40 s per run here; ~40 MB keeps the test under ~20 s
    and is still big enough to be killed in the middle of the lint and of the write."""
    reference, work = tmp_path / "reference", tmp_path / "work"
    reference.mkdir()
    work.mkdir()
    original_sha = _write_big(reference / "big.csv", BIG_RECORD * 9 + BIG_BAD_RECORD)
    fixed_path = tmp_path / "expected.csv"   # what the fix must give, written independently
    expected_sha = _write_big(fixed_path, BIG_RECORD * 9 + BIG_FIXED_RECORD)
    fixed_path.unlink()

    # a full run on a copy: the expected output, and how long the lint and the write take
    process = _fix_process(reference / "big.csv")
    total, opened, closed = _run_watched(process, reference, reference / "big.csv")
    assert process.returncode == 1  # L004-L006: the big file still needs `split`
    assert _sha256(reference / "big.csv") == expected_sha, "the full fix gave a different file"

    # kill points: at ~45% of the run (the brief), and half-way through writing the new file
    kill_points = [("at 45% of the run", 0.45 * total)]
    if opened is not None:
        kill_points.append(("half-way through the write", None))
    for what, delay in kill_points:
        target = work / "big.csv"
        _write_big(target, BIG_RECORD * 9 + BIG_BAD_RECORD)
        process = _fix_process(target)
        if delay is not None:
            time.sleep(delay)
        else:
            deadline = time.monotonic() + 10 * total
            while not _writing(process, work, target) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(max((closed or opened) - opened, 0.0) / 2)
        still_running = process.poll() is None
        process.send_signal(signal.SIGKILL)  # kill -9 (a no-op if it has already ended)
        process.wait()
        assert still_running, f"the fix ended before the kill ({what}); make the file bigger"
        assert sorted(os.listdir(work)) == ["big.csv"], f"left behind after a kill {what}"
        assert _sha256(target) in (original_sha, expected_sha), f"a kill {what} left a half-fixed file"


# --- (f) permissions -----------------------------------------------------------------------

@pytest.mark.parametrize("name, extra", [
    ("Q004/bad.csv", ()),                           # byte edits
    ("F006/bad-2.csv", ()),                         # byte edits (deletions)
    ("Q001/bad.csv", ()),                           # whole-file rewrite (delimiter)
    ("F001/bad.csv", ("--encoding", "cp1252")),     # whole-file rewrite (encoding)
])
def test_fix_keeps_permissions(name, extra, tmp_path):
    target = tmp_path / "data.csv"
    target.write_bytes((RULE_FIXTURES / name).read_bytes())
    target.chmod(0o640)
    code, _, err = run_cli("fix", *extra, "--no-progress", "--exit-zero", target)
    assert code == 0, err
    assert target.read_bytes() != (RULE_FIXTURES / name).read_bytes(), "nothing was fixed"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["data.csv"]


# --- (g) overlapping fixes -----------------------------------------------------------------

DESCRIBE = str(FIXTURES / "describe")


@pytest.mark.parametrize("content, args, expected", [
    # F006 deletes the blank CRLF line; F004 rewrites that same CRLF to LF
    (b"Name,Note\na,1\n\r\nb,2\nc,3\r\nd,4\n", (), b"Name,Note\na,1\nb,2\nc,3\nd,4\n"),
    # Q004 removes the space after the quote; V001 rewrites the whole field
    (b'Name,Note\n" Acme " ,x\n', ("--unsafe-fixes",), b"Name,Note\nAcme,x\n"),
    # V001 trims the cell; V005 rewrites the same cell as a date
    (b"LastName,Birthdate\nSmith, 06/07/1940 \n",
     ("--unsafe-fixes", "--describe", DESCRIBE, "--object", "Contact", "--date-format", "%m/%d/%Y"),
     b"LastName,Birthdate\nSmith,1940-06-07\n"),
    # F002 at bytes 0-3, H003 right after it; then H007 once H003 has stripped the name
    (b"\xef\xbb\xbf User :Owner.Username,Subject\nrep@example.com,Call\n", (),
     b"User:Owner.Username,Subject\nrep@example.com,Call\n"),
    # Q001 rewrites the whole file alone; F006 and H003 follow in the next pass
    (b"Name; Phone\n\nAcme;1\n", (), b"Name,Phone\nAcme,1\n"),
    # Q001's rewrite and Q004's fix both touch the space outside the quotes: Q004 says it is
    # junk, so it must not end up inside the value (`Acme ` would be a V001 finding)
    (b'Name;Note\n"Acme" ;x\n', (), b"Name,Note\nAcme,x\n"),
], ids=["F004+F006", "Q004+V001", "V001+V005", "F002+H003+H007", "Q001+F006+H003", "Q001+Q004"])
def test_overlapping_fixes_converge(content, args, expected, tmp_path):
    target = tmp_path / "data.csv"
    target.write_bytes(content)
    command = ("fix", *ALL_RULES, *args, "--no-progress", "--exit-zero", target)
    code, _, err = run_cli(*command)
    assert code == 0, err
    assert target.read_bytes() == expected
    _, report = lint_json(*ALL_RULES, *[a for a in args if a != "--unsafe-fixes"], target)
    threshold = ("safe", "unsafe") if "--unsafe-fixes" in args else ("safe",)
    assert [f for f in report["findings"] if f["fix"] and f["fix"]["applicability"] in threshold] == []
    code, _, err = run_cli(*command)
    assert code == 0, err
    assert target.read_bytes() == expected


@pytest.mark.parametrize("content, code", [
    (b'Name;Note\nWidget 12" pipe;4\n', "Q002"),        # text quote, or a broken quoted value?
    (b'Name;Note\n"Acme"x;4\n', "Q004"),                # not blank: not Q004's to remove
    (b'Name;Note\n"say "hi" now";4\n', "Q005"),         # which quotes are text?
], ids=["Q002", "Q004-not-blank", "Q005"])
def test_redelimiting_leaves_quoting_problems_to_a_person(content, code, tmp_path):
    """RULES.md gives Q002, Q005 and non-blank Q004 junk no fix: what those quotes mean needs
    a person. Q001's safe rewrite must not decide it silently on the way (the csv module's
    lenient reading turns `"say "hi" now"` into `say hi" now"`): after `fix`, the problem is
    still there to be reported."""
    target = tmp_path / "data.csv"
    target.write_bytes(content)
    code_, _, err = run_cli("fix", "--no-progress", "--exit-zero", target)
    assert code_ == 0, err
    _, report = lint_json(target)
    assert code in _codes(report), f"{code} vanished; the file became {target.read_bytes()!r}"


# --- (h) read-only folder ------------------------------------------------------------------

def test_read_only_folder_is_a_usage_error(tmp_path):
    """Root ignores file modes, so as root the fix runs under setpriv with no capabilities."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing: cannot make a folder read-only")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-all"]
    folder = tmp_path / "read-only"
    folder.mkdir()
    target = folder / "data.csv"
    original = (RULE_FIXTURES / "Q004" / "bad.csv").read_bytes()
    target.write_bytes(original)
    folder.chmod(0o555)
    try:
        result = subprocess.run([*prefix, sys.executable, "-m", "sfprep", "fix", "--no-progress", str(target)],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfprep: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in lines[0], "an unwritable folder is the user's problem, not a bug"
    assert str(target) in lines[0], "the message names the file that could not be fixed"
    assert target.read_bytes() == original
    assert sorted(os.listdir(folder)) == ["data.csv"]


def test_no_finding_offers_more_than_its_rule_kind():
    """`sfprep fix` first runs only the rules whose kind can meet the threshold, so a rule must
    never offer a fix beyond its declared kind (S: safe at most, U: unsafe at most, - and C: none)."""
    from dataclasses import replace as with_fields

    from sfprep.core.config import Settings
    from sfprep.core.profiles import load_profile
    from sfprep.salesforce.describe import DescribeSource
    from sfprep.linter.engine import lint_file
    from sfprep.linter.targets import job_for
    from sfprep.core.model import Applicability, FixKind
    from sfprep.linter.registry import all_rules, select_rules

    ceiling = {FixKind.SAFE: Applicability.SAFE, FixKind.UNSAFE: Applicability.UNSAFE}
    settings = with_fields(Settings(), describe=str(FIXTURES / "describe"))
    profile, describes, rules = load_profile("bulk1"), DescribeSource(settings.describe), select_rules(["ALL"])
    offered = 0
    for path in sorted((FIXTURES / "rules").glob("*/*.csv")):
        result = lint_file(str(path), job_for(path, settings), profile, rules, describes=describes, settings=settings)
        for stamped in result.findings:
            fix = stamped.finding.fix
            if fix is not None:
                offered += 1
                kind = all_rules()[stamped.finding.code].fix
                assert kind in ceiling and fix.applicability <= ceiling[kind], (path, stamped.finding.code)
    assert offered > 20


def test_edits_copied_by_the_kernel_equal_edits_copied_in_python(tmp_path):
    """apply_edits between two files uses copy_file_range; between streams it copies in
    Python: both must give the same bytes, including edits at the start and the very end."""
    import random

    from sfprep.fixer import apply as fixes
    from sfprep.core.model import Edit

    chooser = random.Random(7)
    for trial in range(60):
        data = bytes(chooser.randrange(32, 127) for _ in range(chooser.randrange(0, 3000)))
        edits, position = [], 0
        while position <= len(data) and len(edits) < 40:
            start = min(len(data), position + chooser.randrange(0, 200))
            end = min(len(data), start + chooser.randrange(0, 5))
            edits.append(Edit(start, end, b"<" * chooser.randrange(0, 3)))
            position = end + 1
        source = tmp_path / f"source{trial}"
        source.write_bytes(data)
        expected, cursor = bytearray(), 0
        for edit in edits:
            expected += data[cursor:edit.start] + edit.replacement
            cursor = edit.end
        expected += data[cursor:]
        in_memory = io.BytesIO()
        fixes.apply_edits(io.BytesIO(data), in_memory, edits)
        with open(source, "rb") as original, open(tmp_path / f"target{trial}", "wb") as target:
            fixes.apply_edits(original, target, edits)
        assert in_memory.getvalue() == bytes(expected)
        assert (tmp_path / f"target{trial}").read_bytes() == bytes(expected)
