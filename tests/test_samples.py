"""samples/: `sfprep lint samples/` gives exactly the golden lists of samples/README.md,
without and with the describes (the README is the expectation, written by hand)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import lint_json

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def golden_lists() -> list[dict[str, list[tuple[str, int | None, int | None]]]]:
    """The README's two fenced golden blocks: file -> [(code, line, col)]."""
    text = (SAMPLES / "README.md").read_text()
    section = text.split("## Expected findings, exactly", 1)[1].split("## Things that must stay silent", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, re.S)
    lists = []
    for block in blocks:
        found = {}
        for line in block.strip().splitlines():
            name, rest = line.split(None, 1)
            found[name] = [(code, None if at == "-" else int(at), None if col == "-" else int(col))
                           for code, at, col in (item.split() for item in rest.split("|"))]
        lists.append(found)
    return lists


def lint_samples(*args: str) -> dict[str, list[tuple[str, int | None, int | None]]]:
    _, report = lint_json(*args, SAMPLES)
    found: dict[str, list] = {}
    for f in report["findings"]:
        found.setdefault(Path(f["path"]).name, []).append((f["code"], f["line"], f["column"]))
    return {name: sorted(items, key=lambda r: (r[1] or 0, r[0])) for name, items in found.items()}


def test_the_golden_lists_were_read():
    without, added = golden_lists()
    assert set(without) == {"Contact.upsert.csv", "Contact.xml", "Invoice__c.csv", "Lead.csv"}
    assert "Contact.xml" in added


def test_samples_without_describe():
    without, _ = golden_lists()
    assert lint_samples() == {name: sorted(items, key=lambda r: (r[1] or 0, r[0])) for name, items in without.items()}


@pytest.mark.parametrize("extra", [("--describe", str(SAMPLES / "describe"), "--external-id", "External_Id__c")])
def test_samples_with_describe(extra):
    without, added = golden_lists()
    expected = {name: sorted(without.get(name, []) + added.get(name, []), key=lambda r: (r[1] or 0, r[0]))
                for name in set(without) | set(added)}
    assert lint_samples(*extra) == expected
