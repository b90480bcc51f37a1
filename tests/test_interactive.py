"""`sfprep fix --interactive` (CLI.md): the real command at a pseudo-terminal (pexpect), as a
user of `git add -p` drives it.

Each case writes a small file, answers the prompts and checks what the terminal showed
(the finding as the full report has it, the diff of its fix, the prompts, the summary), the
file's bytes afterwards and the exit code. The expected bytes and diffs are derived by
hand from the fixture and the rules' fixes (RULES.md): F002 drops the 3-byte BOM, Q004 the
space after the closing quote, F006 the blank line, F004 rewrites the minority line
endings, Q001 re-delimits with commas, V001 trims the value (unsafe).
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

import sfprep
from sfprep.core.model import UsageError

PROMPT = r"\((\d+)/(\d+)\) Apply this fix \[y,n,a,q,\?\]\? "
HELP = """y - apply this fix
n - do not apply this fix
a - apply this fix and every remaining fix in this file
q - quit: apply the fixes accepted so far, offer no more
? - print help
"""
# BOM (F002, line 1), a space after a closing quote (Q004, line 2), a blank line (F006, line 3)
ACCOUNT = b'\xef\xbb\xbfName,Phone\n"Acme" ,555\n\nGlobex,556\n'
BLANK_LINE = b"Name,Phone\nAcme,555\n\nGlobex,556\n"   # F006 at line 3 only
ONLY_RULES = ("--select", "F,Q,V001")                  # no describe rules: no "skipped" noise


class Session:
    """One `sfprep fix --interactive ARGS` at a pseudo-terminal, in `folder`."""

    def __init__(self, folder: Path, *args: str, prefix: list[str] | None = None):
        env = dict(os.environ, NO_COLOR="1")
        self.log = io.StringIO()
        command = [*(prefix or []), sys.executable, "-m", "sfprep", "fix", "--interactive", *args]
        self.child = pexpect.spawn(command[0], command[1:],
                                   cwd=str(folder), env=env, encoding="utf-8", timeout=60,
                                   dimensions=(50, 200))
        self.child.logfile_read = self.log
        self.prompts: list[str] = []

    def prompt(self) -> str:
        """Wait for the next prompt; its '(i/n)'."""
        self.child.expect(PROMPT)
        self.prompts.append(f"{self.child.match.group(1)}/{self.child.match.group(2)}")
        return self.prompts[-1]

    def answer(self, *answers: str) -> None:
        for answer in answers:
            self.prompt()
            self.child.sendline(answer)

    def finish(self) -> int | None:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    @property
    def transcript(self) -> str:
        return self.log.getvalue().replace("\r\n", "\n")


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


# --- answering ------------------------------------------------------------------------------

def test_each_fix_shows_the_finding_and_its_diff_and_applies_what_is_accepted(tmp_path):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("n", "y", "y")
    assert session.finish() == 1                       # F002 (an error) is left
    assert session.prompts == ["1/3", "2/3", "3/3"]
    assert target.read_bytes() == b'\xef\xbb\xbfName,Phone\n"Acme",555\nGlobex,556\n'
    text = session.transcript
    # the Q004 finding as the full report shows it: code, location, source line, marker
    q004 = text.split("(1/3)", 1)[1].split("(2/3)", 1)[0]
    assert "Q004 [*] " in q004 and "  --> Account.csv:2:1\n" in q004
    assert '2 | "Acme" ,555\n  |       ^\n' in q004
    assert "`sfprep fix` would: Remove the spaces outside the quotes" in q004
    # its diff: lines 1-4 (line 2 and up to three around it); the BOM is drawn, not hidden
    assert ("--- a/Account.csv\n+++ b/Account.csv\n@@ -1,4 +1,4 @@\n"
            ' <U+FEFF>Name,Phone\n-"Acme" ,555\n+"Acme",555\n \n Globex,556\n') in q004
    f006 = text.split("(2/3)", 1)[1].split("(3/3)", 1)[0]
    assert "@@ -1,4 +1,3 @@\n <U+FEFF>Name,Phone\n \"Acme\" ,555\n-\n Globex,556\n" in f006
    f002 = text.split("(1/3)", 1)[0]
    assert "@@ -1,4 +1,4 @@\n-<U+FEFF>Name,Phone\n+Name,Phone\n" in f002
    assert "fixed Account.csv: F006 x1, Q004 x1\n" in text
    assert "skipped Account.csv: F002 x1 (declined)\n" in text
    assert "fixed 2 finding(s) in 1 file(s); skipped 1\n" in text
    assert "left: 1 error, 0 warnings in 1 file (1 file checked); 1 fixable with `sfprep fix`" in text


def test_a_accepts_the_rest_of_the_file_only(tmp_path):
    first = _write(tmp_path, "Account.csv", ACCOUNT)
    second = _write(tmp_path, "Contact.csv", BLANK_LINE)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv", "Contact.csv")
    session.answer("n", "a")
    assert session.prompt() == "1/1"                   # the next file is still asked about
    session.child.sendline("n")
    assert session.finish() == 1
    assert session.prompts == ["1/3", "2/3", "1/1"]
    assert first.read_bytes() == b'\xef\xbb\xbfName,Phone\n"Acme",555\nGlobex,556\n'
    assert second.read_bytes() == BLANK_LINE
    assert "fixed Account.csv: F006 x1, Q004 x1\n" in session.transcript
    assert "skipped Contact.csv: F006 x1 (declined)\n" in session.transcript


def test_q_applies_what_was_accepted_and_asks_nothing_more(tmp_path):
    first = _write(tmp_path, "Account.csv", ACCOUNT)
    second = _write(tmp_path, "Contact.csv", BLANK_LINE)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv", "Contact.csv")
    session.answer("y", "q")
    assert session.finish() == 1
    assert session.prompts == ["1/3", "2/3"]
    after_quit = session.transcript.split("(2/3) Apply this fix", 1)[1]
    assert "Apply this fix" not in after_quit
    assert first.read_bytes() == b'Name,Phone\n"Acme" ,555\n\nGlobex,556\n'
    assert second.read_bytes() == BLANK_LINE
    assert "skipped Account.csv: F006 x1 (quit), Q004 x1 (quit)\n" in after_quit
    assert "skipped Contact.csv: F006 x1 (quit)\n" in after_quit


def test_question_mark_and_unknown_answers_print_the_help_and_ask_again(tmp_path):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("?", "x", "", "q")
    assert session.finish() == 1
    assert session.prompts == ["1/3"] * 4              # the same fix, asked again each time
    assert session.transcript.count(HELP) == 2         # after `?` and `x`, not after the empty line
    assert target.read_bytes() == ACCOUNT
    assert "skipped Account.csv: F002 x1 (quit), F006 x1 (quit), Q004 x1 (quit)" in session.transcript


def test_a_file_with_nothing_to_fix_asks_nothing(tmp_path):
    target = _write(tmp_path, "Account.csv", b"Name,Phone\nAcme,555\n")
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    assert session.finish() == 0
    assert session.prompts == [] and "Apply this fix" not in session.transcript
    assert "nothing to fix\n" in session.transcript
    assert "left: 0 errors, 0 warnings in 0 files (1 file checked)" in session.transcript
    assert target.read_bytes() == b"Name,Phone\nAcme,555\n"


# --- threshold and overlapping fixes --------------------------------------------------------

def test_unsafe_fixes_are_offered_only_with_unsafe_fixes(tmp_path):
    content = b'Name,Note\n" Acme " ,x\n'                 # Q004 (safe) and V001 (unsafe), same field
    target = _write(tmp_path, "Account.csv", content)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("n")
    assert session.finish() == 1
    assert session.prompts == ["1/1"] and "V001 [-]" not in session.transcript.split("(1/1)")[0]
    assert target.read_bytes() == content

    session = Session(tmp_path, *ONLY_RULES, "--unsafe-fixes", "Account.csv")
    session.answer("n", "y")
    assert session.finish() == 0                       # Q004 is gone with the field V001 rewrote
    assert session.prompts == ["1/2", "2/2"]
    v001 = session.transcript.split("(1/2)", 1)[1].split("(2/2)", 1)[0]
    assert "V001 [-] " in v001 and "`sfprep fix --unsafe-fixes` would: Trim the value" in v001
    assert '@@ -1,2 +1,2 @@\n Name,Note\n-" Acme " ,x\n+Acme,x\n' in v001
    assert target.read_bytes() == b"Name,Note\nAcme,x\n"


def test_a_fix_overlapping_an_accepted_one_is_not_offered_and_it_says_so(tmp_path):
    # rows 2 and 3: Q004 removes the space after the quote, V001 rewrites that whole field
    first = _write(tmp_path, "Account.csv", b'Name,Note\n" A " ,x\n" B " ,y\n')
    second = _write(tmp_path, "Contact.csv", BLANK_LINE)
    session = Session(tmp_path, *ONLY_RULES, "--unsafe-fixes", "Account.csv", "Contact.csv")
    session.answer("a")                               # Q004 of row 2 and everything after it
    session.answer("y")                               # Contact.csv's blank line
    assert session.finish() == 0
    assert session.prompts == ["1/4", "1/1"]
    text = session.transcript
    for line in (2, 3):
        assert (f"V001 at Account.csv:{line}:1 is not offered: its fix overlaps the Q004 fix "
                f"accepted at Account.csv:{line}:1 (a later run offers it again if it still applies)\n") in text
    assert first.read_bytes() == b'Name,Note\n" A ",x\n" B ",y\n'
    assert second.read_bytes() == b"Name,Phone\nAcme,555\nGlobex,556\n"
    assert "skipped Account.csv: V001 x2 (overlaps an accepted fix)\n" in text
    assert "left: 0 errors, 2 warnings in 1 file (2 files checked); 2 more with `sfprep fix --unsafe-fixes`" in text


@pytest.mark.parametrize("answers, expected", [
    # re-encoding goes alone (the blank line's offsets are the latin-1 file's): F006 waits
    (("y",), b"Name,City\nJos\xc3\xa9,Paris\n\nB,C\n"),
    # declined, the file stays latin-1, and a file that is not UTF-8 takes no other edit
    (("n",), b"Name,City\nJos\xe9,Paris\n\nB,C\n"),
])
def test_a_re_encoding_is_written_alone(tmp_path, answers, expected):
    target = _write(tmp_path, "Account.csv", b"Name,City\nJos\xe9,Paris\n\nB,C\n")   # F001 line 2, F006 line 3
    session = Session(tmp_path, *ONLY_RULES, "--encoding", "latin-1", "Account.csv")
    session.answer(*answers)
    session.finish()
    text = session.transcript
    assert "@@ -1,4 +1,4 @@\n Name,City\n-Jos\ufffd,Paris\n+Jos\u00e9,Paris\n \n B,C\n" in text
    assert "(1/1) Apply this fix" in text and "(2/2)" not in text, "only the re-encode is offered"
    assert target.read_bytes() == expected


# --- diffs of far lines and of whole-file rewrites ------------------------------------------

def test_the_diff_of_an_edit_deep_in_the_file_has_its_real_line_numbers(tmp_path):
    lines = [b"Name,Phone\n"] + [b"N%d,%d\n" % (n, n) for n in range(2, 31)]
    lines[24] = b"\n"                                   # line 25 blank
    _write(tmp_path, "Account.csv", b"".join(lines))
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("n")
    assert session.finish() == 1
    assert ("@@ -22,7 +22,6 @@\n N22,22\n N23,23\n N24,24\n-\n N26,26\n N27,27\n N28,28\n"
            "(1/1) Apply this fix") in session.transcript


def test_a_line_ending_rewrite_shows_its_first_changes_and_a_count(tmp_path):
    lines = [b"Name,Phone\n"] + [b"N%d,%d\n" % (n, n) for n in range(2, 31)]
    lines[9] = b"N10,10\r\n"                            # lines 10 and 20 end with CRLF, 28 with LF
    lines[19] = b"N20,20\r\n"
    target = _write(tmp_path, "Account.csv", b"".join(lines))
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("y")
    assert session.finish() == 0
    assert ("@@ -7,7 +7,7 @@\n N7,7\u240a\n N8,8\u240a\n N9,9\u240a\n-N10,10\u240d\u240a\n+N10,10\u240a\n"
            " N11,11\u240a\n N12,12\u240a\n N13,13\u240a\n"
            "... and 1 more changed line(s) not shown: the rewrite changes 2 of the file's 30 lines\n"
            "(1/1) Apply this fix") in session.transcript
    assert target.read_bytes() == b"".join(lines).replace(b"\r\n", b"\n")


def test_a_cr_only_file_shows_the_first_five_changed_lines(tmp_path):
    records = [b"Name,Phone"] + [b"N%d,%d" % (n, n) for n in range(2, 22)]
    target = _write(tmp_path, "Account.csv", b"\r".join(records) + b"\r")
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("y")
    assert session.finish() == 0
    removed = "".join(f"-{r.decode()}\u240d\n" for r in records[:5])
    added = "".join(f"+{r.decode()}\u240a\n" for r in records[:5])
    assert (f"@@ -1,5 +1,5 @@\n{removed}{added}"
            "... and 16 more changed line(s) not shown: the rewrite changes 21 of the file's 21 lines\n") in session.transcript
    assert target.read_bytes() == b"\n".join(records) + b"\n"


@pytest.mark.parametrize("answers, expected", [
    (("y", "y"), b"Name,Phone\nAcme,555\nB,6\n"),           # line endings, then commas
    (("n", "y"), b"Name,Phone\r\nAcme,555\nB,6\n"),         # commas; each record keeps its ending
    (("y", "n"), b"Name;Phone\nAcme;555\nB;6\n"),
])
def test_rewrites_accepted_together_are_one_write(tmp_path, answers, expected):
    target = _write(tmp_path, "Contact.csv", b"Name;Phone\r\nAcme;555\nB;6\n")   # F004 and Q001
    target.chmod(0o640)
    session = Session(tmp_path, *ONLY_RULES, "Contact.csv")
    session.answer(*answers)
    session.finish()
    assert session.prompts == ["1/2", "2/2"]
    q001 = session.transcript.split("(1/2)", 1)[1]
    assert "@@ -1,3 +1,3 @@\n-Name;Phone\u240d\u240a\n-Acme;555\u240a\n-B;6\u240a\n" in q001
    assert target.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Contact.csv"]   # no scratch file left
    assert target.stat().st_mode & 0o777 == 0o640


def test_line_endings_are_rewritten_before_the_delimiter(tmp_path):
    """F004's rewrite reads the file with its own delimiter: run after Q001's, it would take
    the line break inside `x,"a<LF>b"` (a quote that no longer follows a `;`) for a record's end."""
    target = _write(tmp_path, "Contact.csv", b'Name;Note\r\nx;"a\nb"\r\ny;z\n')   # Q001, F004 at line 4
    session = Session(tmp_path, *ONLY_RULES, "Contact.csv")
    session.answer("y", "y")
    assert session.finish() == 0
    assert target.read_bytes() == b'Name,Note\r\nx,"a\nb"\r\ny,z\r\n'


def test_edits_and_two_rewrites_in_one_file(tmp_path):
    # F004 (line 1 ends CRLF, the rest LF), Q001 (semicolons) and F006 (line 2 blank)
    target = _write(tmp_path, "Contact.csv", b"Name;Phone\r\n\nAcme;555\nB;6\n")
    session = Session(tmp_path, *ONLY_RULES, "Contact.csv")
    session.answer("a")
    assert session.finish() == 0
    assert session.prompts == ["1/3"]
    assert target.read_bytes() == b"Name,Phone\nAcme,555\nB,6\n"
    assert "fixed Contact.csv: F004 x1, F006 x1, Q001 x1\n" in session.transcript
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Contact.csv"]


# --- stopping ------------------------------------------------------------------------------

def test_end_of_input_is_q(tmp_path):
    first = _write(tmp_path, "Account.csv", ACCOUNT)
    second = _write(tmp_path, "Contact.csv", BLANK_LINE)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv", "Contact.csv")
    session.answer("y")
    session.prompt()
    session.child.sendeof()
    assert session.finish() == 1
    assert session.prompts == ["1/3", "2/3"]
    assert first.read_bytes() == b'Name,Phone\n"Acme" ,555\n\nGlobex,556\n'
    assert second.read_bytes() == BLANK_LINE
    assert "fixed Account.csv: F002 x1\n" in session.transcript
    assert "skipped Contact.csv: F006 x1 (quit)\n" in session.transcript


def test_ctrl_c_leaves_the_file_being_asked_about_and_keeps_the_files_before(tmp_path):
    first = _write(tmp_path, "Account.csv", ACCOUNT)
    second = _write(tmp_path, "Billing.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv", "Billing.csv")
    session.answer("a", "y")                           # all of Account.csv; the BOM of Billing.csv
    session.prompt()
    session.child.sendintr()
    assert session.finish() == 2
    assert first.read_bytes() == b'Name,Phone\n"Acme",555\nGlobex,556\n'
    assert second.read_bytes() == ACCOUNT
    text = session.transcript
    assert "fixed Account.csv: F002 x1, F006 x1, Q004 x1\n" in text
    assert text.rstrip("\n").endswith("sfprep: error: interrupted: nothing applied to Billing.csv; "
                                      "the files before it keep the fixes written")
    assert "Traceback" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv", "Billing.csv"]


def test_ctrl_c_at_the_first_file_changes_nothing(tmp_path):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.answer("y")
    session.prompt()
    session.child.sendintr()
    assert session.finish() == 2
    assert target.read_bytes() == ACCOUNT
    assert "sfprep: error: interrupted: nothing applied to Account.csv; no file was changed" in session.transcript


def test_killed_at_a_prompt_the_files_are_whole(tmp_path):
    first = _write(tmp_path, "Account.csv", ACCOUNT)
    second = _write(tmp_path, "Billing.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv", "Billing.csv")
    session.answer("a", "y")
    session.prompt()
    os.kill(session.child.pid, signal.SIGKILL)
    session.child.expect(pexpect.EOF)
    session.child.close()
    assert session.child.signalstatus == signal.SIGKILL
    assert first.read_bytes() == b'Name,Phone\n"Acme",555\nGlobex,556\n'
    assert second.read_bytes() == ACCOUNT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Account.csv", "Billing.csv"]


# --- usage errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("stdin", [{"stdin": subprocess.DEVNULL}, {"input": b"y\ny\ny\n"}], ids=["devnull", "pipe"])
def test_not_a_terminal_is_a_usage_error(tmp_path, stdin):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    run = subprocess.run([sys.executable, "-m", "sfprep", "fix", "--interactive", str(target)],
                         capture_output=True, timeout=60, **stdin)
    assert (run.returncode, run.stdout, run.stderr) == (2, b"", b"sfprep: error: --interactive needs a terminal\n")
    assert target.read_bytes() == ACCOUNT


def test_interactive_with_diff_is_a_usage_error(tmp_path):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, "--diff", "Account.csv")
    assert session.finish() == 2
    assert session.transcript == ("sfprep: error: --interactive and --diff cannot be combined "
                                  "(--diff shows every fix and writes nothing)\n")
    assert target.read_bytes() == ACCOUNT


def test_in_a_read_only_folder_a_rewrite_is_not_offered_and_an_edit_fails_cleanly(tmp_path):
    """Root ignores file modes, so as root the command runs under setpriv with no capabilities."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing: cannot make a folder read-only")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-all"]
    folder = tmp_path / "read-only"
    folder.mkdir()
    content = b"Name,Phone\r\nAcme,555\n\nB,6\n"       # F004 (a rewrite) at line 1, F006 (an edit) at line 3
    target = _write(folder, "Account.csv", content)
    folder.chmod(0o555)
    try:
        session = Session(folder, *ONLY_RULES, "Account.csv", prefix=prefix)
        session.answer("y")
        assert session.finish() == 2
    finally:
        folder.chmod(0o755)
    text = session.transcript
    assert "this fix cannot be applied: Account.csv: cannot write beside it: Permission denied\n" in text
    assert session.prompts == ["2/2"]
    assert text.rstrip("\n").endswith(
        "sfprep: error: Account.csv: cannot write beside it: Permission denied; nothing was changed")
    assert target.read_bytes() == content
    assert sorted(p.name for p in folder.iterdir()) == ["Account.csv"]


def test_the_report_goes_where_asked(tmp_path):
    import json

    _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "--format", "json", "--output", "report.json", "Account.csv")
    session.answer("n", "y", "y")
    assert session.finish() == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("F002", 1)]


# --- the hook under it --------------------------------------------------------------------

def test_the_api_applies_only_what_choose_returns(tmp_path):
    target = _write(tmp_path, "Account.csv", ACCOUNT)
    seen = []

    def choose(path, offered):
        seen.append((path, [f.code for f in offered]))
        return [f for f in offered if f.code == "Q004"]

    report = sfprep.fix(target, choose=choose, select=["F", "Q"])
    assert seen == [(str(target), ["F002", "Q004", "F006"])]
    assert report.fixed == {str(target): {"Q004": 1}}
    assert target.read_bytes() == b'\xef\xbb\xbfName,Phone\n"Acme",555\n\nGlobex,556\n'
    with pytest.raises(UsageError):
        sfprep.fix(target, choose=choose, diff=True)


def test_waiting_at_the_prompt_costs_no_cpu(tmp_path):
    """The prompt polls for Ctrl-C in 0.1 s steps: it must still be idle, not spinning."""
    _write(tmp_path, "Account.csv", ACCOUNT)
    session = Session(tmp_path, *ONLY_RULES, "Account.csv")
    session.prompt()
    with open(f"/proc/{session.child.pid}/stat") as stat:
        before = sum(int(v) for v in stat.read().split()[13:15])
    time.sleep(1.0)
    with open(f"/proc/{session.child.pid}/stat") as stat:
        after = sum(int(v) for v in stat.read().split()[13:15])
    session.child.sendline("q")
    session.finish()
    assert after - before <= 5                          # clock ticks (1/100 s) in one second
