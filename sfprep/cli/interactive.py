"""`sfprep fix --interactive`: the terminal dialogue, as `git add -p` has it.

For each offered fix, in file order: the finding as the full report shows it, a unified
diff of what the fix changes, and `Apply this fix [y,n,a,q,?]?`. A fix that overlaps
one accepted before it is not offered (said so). When a file's questions are over,
its accepted fixes are written in one atomic replace (fixer.subset) before the next file.

End of input (Ctrl-D) at the prompt is `q`, as in `git add -p`: what was accepted is
applied, nothing more is asked. Ctrl-C stops at once, as it stops `git add -p`: the file
being asked about is left as it was, the files before it keep the fixes written.
"""
from __future__ import annotations

import difflib
import os
import re
import select
import sys
from collections import Counter
from dataclasses import dataclass, field

import click

from sfprep.core.model import StampedFinding, UsageError
from sfprep.fixer.preview import CONTEXT, LineCounter, Preview, newline_of, preview
from sfprep.fixer.subset import AcceptedFixes

PROMPT = "({index}/{count}) Apply this fix [y,n,a,q,?]? "
HELP = """y - apply this fix
n - do not apply this fix
a - apply this fix and every remaining fix in this file
q - quit: apply the fixes accepted so far, offer no more
? - print help
"""
DECLINED, QUIT, OVERLAPPING, FAILING = "declined", "quit", "overlaps an accepted fix", "cannot be applied"


@dataclass
class FileDecisions:
    path: str
    accepted: Counter = field(default_factory=Counter)      # code -> fixes accepted
    skipped: Counter = field(default_factory=Counter)       # (code, why) -> fixes skipped


class Dialogue:
    """The chooser handed to sfprep.fix(choose=...): asks about each file's offered fixes."""

    def __init__(self, out, color: bool):
        self.out, self.color = out, color
        self.files: list[FileDecisions] = []
        self.quit = False
        self.interrupted: str | None = None   # the file being asked about when Ctrl-C came

    def choose(self, path: str, offered: list[StampedFinding]) -> list[StampedFinding]:
        decisions = FileDecisions(path)
        self.files.append(decisions)
        try:
            return self._walk(path, offered, decisions)
        except KeyboardInterrupt:
            self.interrupted = decisions.path
            self.files.pop()   # nothing of this file is written
            self._say("\n")
            raise

    def _walk(self, path: str, offered: list[StampedFinding], decisions: FileDecisions) -> list[StampedFinding]:
        accepted = AcceptedFixes()
        lines = LineCounter(path, newline_of(path))
        apply_rest = False
        for index, stamped in enumerate(offered, start=1):
            if self.quit:
                decisions.skipped[stamped.code, QUIT] += 1
                continue
            clash = accepted.conflict(stamped)
            if clash is not None:
                self._say(f"{stamped.code} at {_where(stamped)} is not offered: its fix overlaps the "
                          f"{clash.code} fix accepted at {_where(clash)} (a later run offers it again "
                          "if it still applies)\n")
                decisions.skipped[stamped.code, OVERLAPPING] += 1
                continue
            answer = "y" if apply_rest else self._offer(path, stamped, lines, index, len(offered))
            if answer in ("y", "a"):
                accepted.add(stamped)
                decisions.accepted[stamped.code] += 1
                apply_rest = apply_rest or answer == "a"
            else:
                decisions.skipped[stamped.code, {"n": DECLINED, "q": QUIT, "!": FAILING}[answer]] += 1
                self.quit = answer == "q"
        return accepted.chosen

    def _offer(self, path: str, stamped: StampedFinding, lines: LineCounter, index: int, count: int) -> str:
        """Show the finding and its diff, and ask; '!' when the fix cannot be previewed."""
        from sfprep.report.full import render_finding

        render_finding(stamped, self.out, color=self.color)
        try:
            shown = preview(path, stamped.finding.fix, lines)
        except UsageError as error:
            self._say(f"this fix cannot be applied: {error}\n\n")
            return "!"
        for line in diff_lines(stamped.path, shown):
            self._say(self._styled(line) + "\n")
        return self._ask(PROMPT.format(index=index, count=count))

    def _ask(self, prompt: str) -> str:
        while True:
            self._say(self._style(prompt, "blue", bold=True))
            line = _read_line()
            if not line:           # end of input: as `git add -p`, the same as q
                self._say("\n")
                return "q"
            answer = line.strip()[:1].lower()
            if answer in ("y", "n", "a", "q"):
                return answer
            if answer:
                self._say(self._style(HELP, "red", bold=True))

    def _say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _style(self, text: str, colour: str, bold: bool = False) -> str:
        return click.style(text, fg=colour, bold=bold) if self.color else text

    def _styled(self, line: str) -> str:
        if line.startswith(("---", "+++")):
            return self._style(line, "white", bold=True)
        colour = {"-": "red", "+": "green", "@": "cyan"}.get(line[:1])
        return self._style(line, colour) if colour else line

    def summary_lines(self, written: dict[str, Counter] | None = None) -> list[str]:
        """What was applied and skipped, per file and code. `written` (path -> code -> count)
        is what the fixer wrote; without it, what was accepted in the files asked about."""
        if not self.files:
            return ["nothing to fix"]
        applied = {d.path: written.get(d.path, Counter()) if written is not None else d.accepted
                   for d in self.files}
        lines = []
        for decisions in self.files:
            if applied[decisions.path]:
                lines.append(f"fixed {decisions.path}: {_counts(applied[decisions.path].items())}")
            if decisions.skipped:
                lines.append(f"skipped {decisions.path}: " + ", ".join(
                    f"{code} x{count} ({why})" for (code, why), count in sorted(decisions.skipped.items())))
        fixed = sum(sum(counts.values()) for counts in applied.values())
        files = sum(1 for counts in applied.values() if counts)
        skipped = sum(sum(d.skipped.values()) for d in self.files)
        lines.append(f"fixed {fixed} finding(s) in {files} file(s); skipped {skipped}")
        return lines


def _read_line() -> str:
    """One line from the terminal ('' at end of input). select() in short steps, not one
    blocking read: a Ctrl-C may be delivered to one of polars' threads, and the main thread
    only raises KeyboardInterrupt once it is back in Python."""
    fd = sys.stdin.fileno()
    while not select.select([fd], [], [], 0.1)[0]:
        pass
    return os.read(fd, 4096).decode("utf-8", "replace")


def _counts(items) -> str:
    return ", ".join(f"{code} x{count}" for code, count in sorted(items))


def _where(stamped: StampedFinding) -> str:
    f = stamped.finding
    return ":".join([stamped.path] + [str(v) for v in (f.line, f.column) if v is not None])


# --- the diff -------------------------------------------------------------------------------

# Bytes a terminal would act on, shown as the symbols for them; a tab stays a tab.
_VISIBLE = {code: chr(0x2400 + code) for code in range(32) if code != 9} | {0x7F: "\u2421"}
_VISIBLE |= {code: "\ufffd" for code in range(0x80, 0xA0)}
_VISIBLE |= {code: f"<U+{code:04X}>" for code in (0xA0, 0x200B, 0x2028, 0x2029, 0xFEFF)}
_ENDINGS = {b"\r\n": "\u240d\u240a", b"\n": "\u240a", b"\r": "\u240d", b"": ""}
_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def diff_lines(path: str, shown: Preview) -> list[str]:
    """A unified diff of the preview, with the file's real line numbers; line breaks are
    drawn (␍␊, ␊, ␍) where the fix changes them or the lines shown mix them."""
    if shown.old == shown.new:
        return ["(this fix changes no byte of the file)"]
    old_endings, new_endings = {_ending(line) for line in shown.old}, {_ending(line) for line in shown.new}
    draw_endings = old_endings != new_endings or len(old_endings) > 1
    old = [_visible(line, draw_endings) for line in shown.old]
    new = [_visible(line, draw_endings) for line in shown.new]
    lines = [_shifted(line, shown.first_line - 1) if line.startswith("@@") else line
             for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=CONTEXT, lineterm="")]
    if shown.changed_lines is not None and shown.changed_lines > (shown.shown_changes or 0):
        hidden = shown.changed_lines - (shown.shown_changes or 0)
        lines.append(f"... and {hidden:,} more changed line(s) not shown: the rewrite changes "
                     f"{shown.changed_lines:,} of the file's {shown.total_lines:,} lines")
    return lines


def _ending(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return b"\r\n"
    return line[-1:] if line[-1:] in (b"\n", b"\r") else b""


def _visible(line: bytes, draw_ending: bool) -> str:
    ending = _ending(line)
    body = line[:len(line) - len(ending)].decode("utf-8", "replace").translate(_VISIBLE)
    return body + (_ENDINGS[ending] if draw_ending else "")


def _shifted(header: str, by: int) -> str:
    match = _HUNK.match(header)
    if match is None:
        return header
    old_start, old_count, new_start, new_count = match.groups()
    return f"@@ -{int(old_start) + by}{old_count} +{int(new_start) + by}{new_count} @@" + header[match.end():]
