"""The rule registry against the product spec (RULES.md): codes, severities, fix kinds, docs, fixtures.

The spec table is parsed from ../shared/spec/RULES.md when it is beside this clone; otherwise
from tests/fixtures/spec_codes.txt (a checked-in copy of the table's code/sev/fix columns,
kept equal to RULES.md by test_checked_in_code_list_matches_the_spec).
"""
from __future__ import annotations

import re

import pytest

from sfprep.core.model import FixKind, Severity
from sfprep.linter.registry import (
    DOC_SECTIONS,
    Rule,
    all_rules,
    get_rule,
    is_selector,
    select_rules,
)
from tests.helpers import FIXTURES, REPO

SPEC = REPO.parent / "shared" / "spec" / "RULES.md"
SPEC_CODES = FIXTURES / "spec_codes.txt"
RULE_FIXTURES = FIXTURES / "rules"

# A RULES.md table row: | F001 | E | S* | what ... |
_ROW = re.compile(r"^\|\s*([A-Z]\d{3})\s*\|\s*([EWI])\s*\|\s*([SUC-])\*?\s*\|")
_SEVERITY = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}
_FIX = {"S": FixKind.SAFE, "U": FixKind.UNSAFE, "-": FixKind.NONE, "C": FixKind.CHUNK}


def _parse_spec_table(text: str) -> dict[str, tuple[str, str]]:
    table = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            code, severity, fix = match.groups()
            assert code not in table, f"RULES.md lists {code} twice"
            table[code] = (severity, fix)
    return table


def _parse_code_list(text: str) -> dict[str, tuple[str, str]]:
    table = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, severity, fix = line.split()
        table[code] = (severity, fix)
    return table


def spec_table() -> dict[str, tuple[str, str]]:
    """code -> (severity letter, fix letter), from RULES.md or the checked-in copy."""
    if SPEC.is_file():
        return _parse_spec_table(SPEC.read_text(encoding="utf-8"))
    return _parse_code_list(SPEC_CODES.read_text(encoding="utf-8"))


SPEC_TABLE = spec_table()
# The codes this build must implement: the F and Q families, and H001-H007 (no describe needed).
REQUIRED = sorted(c for c in SPEC_TABLE
                  if c[0] in "FQ" or (c[0] == "H" and 1 <= int(c[1:]) <= 7))
REGISTERED = all_rules()


def test_spec_table_was_read():
    # F001-F007, Q001-Q006, H001-H007 at least: 20 codes. A parse that finds fewer is broken.
    assert len(REQUIRED) == 20, f"expected F001-F007, Q001-Q006, H001-H007 from the spec, got {REQUIRED}"
    assert SPEC_TABLE["F001"] == ("E", "S"), "RULES.md's `S*` for F001 must parse as a safe fix"
    assert SPEC_TABLE["F004"] == ("W", "S")
    assert SPEC_TABLE["V004"] == ("I", "-")
    assert SPEC_TABLE["L004"] == ("E", "C")


@pytest.mark.skipif(not SPEC.is_file(), reason="RULES.md is not beside this clone")
def test_checked_in_code_list_matches_the_spec():
    assert _parse_code_list(SPEC_CODES.read_text(encoding="utf-8")) == SPEC_TABLE, (
        "tests/fixtures/spec_codes.txt is out of date with RULES.md")


@pytest.mark.parametrize("code", REQUIRED)
def test_spec_code_is_registered(code):
    assert code in REGISTERED, f"{code} is in RULES.md but no rule is registered for it"
    assert get_rule(code) == REGISTERED[code]
    assert get_rule(code.lower()) == REGISTERED[code], "get_rule must be case-insensitive"


def _registered_params():
    return [pytest.param(rule, id=code) for code, rule in REGISTERED.items()]


def test_registered_codes_are_well_formed():
    for code, rule in REGISTERED.items():
        assert re.fullmatch(r"[A-Z]\d{3}", code), f"bad rule code {code!r}"
        assert rule.code == code


@pytest.mark.parametrize("rule", _registered_params())
def test_rule_has_summary_and_kebab_case_name(rule: Rule):
    assert rule.summary.strip(), f"{rule.code} has no summary (first docstring line)"
    assert not rule.summary.startswith("##"), f"{rule.code}'s summary is a section heading"
    assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", rule.name), (
        f"{rule.code}'s name {rule.name!r} is not kebab-case")


@pytest.mark.parametrize("rule", _registered_params())
def test_rule_doc_has_all_five_sections(rule: Rule):
    assert DOC_SECTIONS == ("What it checks", "Why it matters", "Example", "Use instead", "Fix")
    missing = [title for title in DOC_SECTIONS if not rule.section(title).strip()]
    assert not missing, f"{rule.code} has empty or missing doc sections: {missing}"


@pytest.mark.parametrize("rule", _registered_params())
def test_rule_severity_and_fix_kind_match_the_spec(rule: Rule):
    if rule.code not in SPEC_TABLE:
        pytest.skip(f"{rule.code} is not in RULES.md (a team-added rule)")
    severity, fix = SPEC_TABLE[rule.code]
    assert rule.severity == _SEVERITY[severity], (
        f"{rule.code}: RULES.md says severity {severity}, registry has {rule.severity.name}")
    assert rule.fix == _FIX[fix], f"{rule.code}: RULES.md says fix {fix!r}, registry has {rule.fix.value!r}"


@pytest.mark.parametrize("rule", _registered_params())
def test_rule_has_bad_and_good_fixtures(rule: Rule):
    folder = RULE_FIXTURES / rule.code
    assert folder.is_dir(), f"no fixture folder tests/fixtures/rules/{rule.code}/"
    data = [p for p in folder.iterdir() if p.suffix in (".csv", ".xml") and ".fixed." not in p.name]
    bad = [p for p in data if p.name.startswith("bad")]
    good = [p for p in data if p.name.startswith("good")]
    assert bad, f"tests/fixtures/rules/{rule.code}/ has no bad*.csv/xml file"
    assert good, f"tests/fixtures/rules/{rule.code}/ has no good*.csv/xml file"
    for path in bad:
        assert path.with_suffix(".expected").is_file(), f"{path.name} has no .expected file"


# --- selection -------------------------------------------------------------------------

def _codes(rules) -> list[str]:
    return [r.code for r in rules]


def _registered_with(prefix: str) -> list[str]:
    return sorted(c for c in REGISTERED if c.startswith(prefix))


@pytest.fixture
def info_rule(monkeypatch):
    """An info-level rule, registered for the test only (RULES.md's I rules may not be built yet)."""
    import sfprep.linter.registry as registry

    all_rules()  # load the families first, so the fake does not stop them loading
    fake = Rule("Z901", "fake-info-rule", Severity.INFO, FixKind.NONE, {}, "Fake.\n")
    monkeypatch.setitem(registry._RULES, "Z901", fake)
    return fake


def test_default_selection_is_every_rule_above_info(info_rule):
    chosen = _codes(select_rules(None))
    assert "Z901" not in chosen, "select_rules(None) must leave info-level rules out"
    expected = sorted(c for c, r in all_rules().items() if r.severity != Severity.INFO)
    assert chosen == expected
    for code in REQUIRED:  # every F/Q/H001-H007 rule is an E or W rule, so on by default
        assert code in chosen


def test_spec_info_rules_are_off_by_default():
    info_codes = [c for c, (sev, _) in SPEC_TABLE.items() if sev == "I"]
    assert info_codes == ["V004"], info_codes
    assert not set(info_codes) & set(_codes(select_rules(None)))


def test_info_rule_runs_when_selected(info_rule):
    assert "Z901" in _codes(select_rules(["ALL"]))
    assert "Z901" in _codes(select_rules(["Z"]))
    assert "Z901" in _codes(select_rules(None, extend_select=["Z901"]))
    assert "Z901" not in _codes(select_rules(["ALL"], ignore=["Z9"]))


def test_select_by_family_prefix():
    q = _codes(select_rules(["Q"]))
    assert q == _registered_with("Q")
    assert {"Q001", "Q002", "Q003", "Q004", "Q005", "Q006"} <= set(q)
    f = _codes(select_rules(["F"]))
    assert f == _registered_with("F")
    assert {"F001", "F002", "F003", "F004", "F005", "F006", "F007"} <= set(f)


def test_select_by_longer_prefix():
    h00 = _codes(select_rules(["H00"]))
    assert h00 == _registered_with("H00")
    assert {"H001", "H002", "H003", "H004", "H005", "H006", "H007"} <= set(h00)
    assert not [c for c in h00 if not c.startswith("H00")]
    assert _codes(select_rules(["Q00"])) == _registered_with("Q00")
    assert _codes(select_rules(["F00"])) == _registered_with("F00")


def test_select_by_exact_code_and_case():
    assert _codes(select_rules(["Q004"])) == ["Q004"]
    assert _codes(select_rules(["q004"])) == ["Q004"]
    assert _codes(select_rules(["H003", "Q004"])) == ["H003", "Q004"]


def test_select_all():
    assert _codes(select_rules(["ALL"])) == sorted(REGISTERED)
    assert _codes(select_rules(["all"])) == sorted(REGISTERED)


def test_ignore_and_extend_select():
    assert _codes(select_rules(["Q"], ignore=["Q004"])) == [c for c in _registered_with("Q") if c != "Q004"]
    assert _codes(select_rules(["Q"], ignore=["Q"])) == []
    assert _codes(select_rules(["Q004"], extend_select=["H003"])) == ["H003", "Q004"]
    assert _codes(select_rules(["Q004"], extend_select=["Q004"])) == ["Q004"], "no rule twice"
    default_minus_f = _codes(select_rules(None, ignore=["F"]))
    assert not [c for c in default_minus_f if c.startswith("F")]
    assert "Q004" in default_minus_f and "H003" in default_minus_f


def test_is_selector():
    for good in ("Q", "Q0", "Q004", "q004", "H00", "F", "ALL", "all"):
        assert is_selector(good), good
    for bad in ("Z", "Z999", "Q0041", "Q7", "ALLX"):
        assert not is_selector(bad), bad


@pytest.mark.parametrize("family", ["quoting", "values.dates", "header.names", "limits"])
def test_all_rules_has_every_family_whichever_module_is_imported_first(family):
    """In a fresh interpreter: importing one family module first used to make all_rules()
    return that family alone, for good."""
    import subprocess
    import sys

    code = (f"import sfprep.linter.rules.{family}\n"
            "from sfprep.linter.registry import all_rules\n"
            "print(len(all_rules()), ''.join(sorted({c[0] for c in all_rules()})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [str(len(REGISTERED)), "FHLOQVX"], done.stderr
