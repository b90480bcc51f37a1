"""The rule fixtures (tests/fixtures/rules/<CODE>/), read as cases: one per data file.

The kinds, by file name (see tests/fixtures/rules/README.md):

- `bad*.csv` / `bad*.xml` with `<stem>.expected` (the exact findings), optionally
  `<stem>.fixed.<ext>` (what `sfprep fix` makes of it);
- `fix-*.csv` / `fix-*.xml` with `<stem>.expected` and `<stem>.fixed.<ext>` (both required);
- `good*.csv` / `good*.xml`: the rule stays silent;
- `<stem>.args`: the CLI arguments of that data file; `args`: of every data file in the
  folder that has no `<stem>.args` of its own. `{here}` is the folder, `{fixtures}`
  tests/fixtures; a file of the folder named in them (`--config {here}/sfprep.toml`), or a
  folder of it (`--describe {here}/describe`), is read through them.

`unread_files` lists every file no case reads, so a fixture of an unknown kind or an
`.expected` without its data file fails a test instead of being silently ignored.
"""
from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import FIXTURES

RULE_FIXTURES = FIXTURES / "rules"
DATA_SUFFIXES = (".csv", ".xml")
DATA_STEM = re.compile(r"(?:bad|good|fix)-[A-Za-z0-9][A-Za-z0-9-]*|bad|good")
DOCUMENTS = {RULE_FIXTURES / "README.md"}

Finding = tuple[str, "int | None", "int | None"]


@dataclass(frozen=True)
class Case:
    code: str        # the folder's name: the rule the case is for
    data: Path       # the file linted (and fixed)

    @property
    def folder(self) -> Path:
        return self.data.parent

    @property
    def stem(self) -> str:
        return self.data.stem

    @property
    def kind(self) -> str:
        return self.stem.split("-")[0]      # bad, good or fix

    @property
    def id(self) -> str:
        return f"{self.code}/{self.data.name}"

    @property
    def expected_file(self) -> Path | None:
        return None if self.kind == "good" else self.folder / f"{self.stem}.expected"

    @property
    def fixed_file(self) -> Path | None:
        fixed = self.folder / f"{self.stem}.fixed{self.data.suffix}"
        return fixed if self.kind == "fix" or fixed.exists() else None

    @property
    def args_file(self) -> Path | None:
        for candidate in (self.folder / f"{self.stem}.args", self.folder / "args"):
            if candidate.exists():
                return candidate
        return None

    def args(self) -> list[str]:
        """Extra CLI arguments from the args file, {here} and {fixtures} filled in."""
        if self.args_file is None:
            return []
        return shlex.split(self.args_file.read_text().format(here=self.folder, fixtures=FIXTURES))

    def expected(self) -> list[Finding]:
        """The .expected file's `CODE LINE COLUMN` lines (`-` for none), sorted as findings_of sorts."""
        rows = []
        for number, line in enumerate(self.expected_file.read_text().splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            assert len(parts) == 3, f"{self.expected_file}:{number}: expected `CODE LINE COLUMN`, got {line!r}"
            code, where, column = parts
            rows.append((code, None if where == "-" else int(where), None if column == "-" else int(column)))
        return sorted(rows, key=lambda r: (r[1] or 0, r[0], r[2] or 0))

    def reads(self) -> set[Path]:
        """Every fixture file this case's tests open."""
        files = {self.data} | {f for f in (self.expected_file, self.fixed_file, self.args_file) if f is not None}
        for named in map(Path, _path_tokens(self.args())):
            if named.is_file():
                files.add(named)
            elif named.is_dir() and RULE_FIXTURES in named.resolve().parents:   # a describe folder of its own
                files |= {f for f in named.rglob("*") if f.is_file()}
        return files

    def problems(self) -> list[str]:
        """What the case lacks: its tests would fail on it, but less clearly."""
        missing = [f for f in (self.expected_file, self.fixed_file) if f is not None and not f.exists()]
        found = [f"{self.id}: {f.name} is missing (every {self.kind}* file has one)" for f in missing]
        if self.kind == "bad" and self.expected_file.exists() and not self.expected():
            found.append(f"{self.id}: {self.expected_file.name} is empty; a file with no findings is a good* file")
        return found


def record_lines(path: Path) -> dict[int, tuple[int, int]] | None:
    """Record number (header = 0) -> its first and last physical line, as the scanner reads
    the file; None for a file that is not scanned (UTF-16)."""
    from sfprep.io.csv import scan as csv_scan
    from sfprep.io.sniff import UTF8_BOM, sniff

    data = path.read_bytes()
    if data.lstrip().startswith(b"<"):
        return _xml_record_lines(data)
    sniffed = sniff(data[:4096])
    if sniffed.wide_encoding:
        return None
    start = len(UTF8_BOM) if sniffed.bom else 0
    spans = {}
    for chunk in csv_scan.scan(io.BytesIO(data[start:]), sniffed.dialect(","), start_offset=start):
        first = chunk.line_of(chunk.record_starts).tolist()
        last = chunk.line_of(chunk.record_ends).tolist()
        for index, lines in enumerate(zip(first, last)):
            spans[chunk.first_record + index] = lines
    return spans


def _xml_record_lines(data: bytes) -> dict[int, tuple[int, int]] | None:
    """Record number -> lines of an XML batch: record n is the root's n-th child element,
    from its start tag's line to the line before the next one's (the header, record 0, is
    every line: an XML field name is wherever the element is). None when lxml cannot read
    it whole (a DOCTYPE is never given to it)."""
    from lxml import etree

    if b"<!DOCTYPE" in data:
        return None
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return None
    last_line = data.count(b"\n") + 1
    starts = [child.sourceline for child in root if isinstance(child.tag, str) and child.tag.endswith("sObject")]
    spans = {0: (1, last_line)}
    for number, first in enumerate(starts, 1):
        spans[number] = (first, starts[number] - 1 if number < len(starts) else last_line)
    return spans


def _path_tokens(args: list[str]) -> list[str]:
    return [token.split("=", 1)[-1] for token in args]


def rule_folders() -> list[Path]:
    return sorted(p for p in RULE_FIXTURES.iterdir() if p.is_dir())


def cases(*kinds: str) -> list[Case]:
    """Every case of these kinds (bad, good, fix), in folder then file order."""
    found = []
    for folder in rule_folders():
        for data in sorted(folder.iterdir()):
            if data.suffix in DATA_SUFFIXES and DATA_STEM.fullmatch(data.stem):
                case = Case(folder.name, data)
                if case.kind in kinds:
                    found.append(case)
    return found


def all_cases() -> list[Case]:
    return cases("bad", "good", "fix")


def unread_files() -> list[Path]:
    """Files under tests/fixtures/rules/ that no case reads (the README aside)."""
    read = set(DOCUMENTS)
    for case in all_cases():
        read |= case.reads()
    return sorted(p for p in RULE_FIXTURES.rglob("*") if p.is_file() and p not in read)
