"""tools/mutate.py: the mutants it makes, and that it never leaves one behind."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("mutate", REPO / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module       # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    yield module
    del sys.modules["mutate"]


MODULE = '''\
"""A docstring with a > b and c == 3 in it."""
from __future__ import annotations


def check(a: int | None, b, names) -> int | None:
    if a > b and b != 0:
        return ~(a & b)
    x = f"{a > 1}"
    return [n for n in names if not n] or None
'''


def _mutated_lines(mutate, path):
    source = path.read_text()
    return sorted((m.operator, m.describe(source)) for m in mutate.mutants_of(path))


def test_every_operator_is_applied_once_where_it_may_be(mutate, tmp_path):
    path = tmp_path / "module.py"
    path.write_text(MODULE)
    assert _mutated_lines(mutate, path) == sorted([
        ("> -> >=", "if a >= b and b != 0:"),
        ("!= -> ==", "if a > b and b == 0:"),
        ("and -> or", "if a > b or b != 0:"),
        ("operand 1 of 2 removed", "if b != 0:"),
        ("operand 2 of 2 removed", "if a > b:"),
        ("condition removed", "if True:"),
        ("0 -> 1", "if a > b and b != 1:"),
        ("0 -> -1", "if a > b and b != -1:"),
        ("~ dropped", "return (a & b)"),
        ("& -> |", "return ~(a | b)"),
        ("operand 1 of 2 removed", "return ~(b)"),
        ("operand 2 of 2 removed", "return ~(a)"),
        ("not dropped", "return [n for n in names if n] or None"),
        ("condition removed", "return [n for n in names if True] or None"),
        ("or -> and", "return [n for n in names if not n] and None"),
        ("operand 1 of 2 removed", "return None"),
        ("operand 2 of 2 removed", "return [n for n in names if not n]"),
    ])   # nothing in the docstring, the annotations or the f-string


def test_a_line_marked_no_mutate_is_left_alone(mutate, tmp_path):
    path = tmp_path / "module.py"
    path.write_text("def f(a):\n    return a > 1  # no-mutate\n")
    assert mutate.mutants_of(path) == []


def test_the_module_is_restored_even_when_the_run_fails(mutate, tmp_path):
    path = tmp_path / "module.py"
    path.write_text("def f(a):\n    return a > 1\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    mutant = next(m for m in mutate.mutants_of(path) if m.operator == "> -> >=")
    seen = []

    def run():
        seen.append(path.read_text())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mutate.with_mutant(mutant, run)
    assert seen == ["def f(a):\n    return a >= 1\n"]
    assert path.read_text() == "def f(a):\n    return a > 1\n"
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_it_refuses_a_dirty_worktree(mutate, tmp_path, monkeypatch, capsys):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "tracked.py").write_text("x = 1\n")
    git("add", "tracked.py")
    git("commit", "-qm", "one file")
    (tmp_path / "tracked.py").write_text("x = 2\n")
    monkeypatch.setattr(mutate, "REPO", tmp_path)
    assert mutate.main([str(REPO / "sfprep" / "linter" / "rules" / "operation.py")]) == 2
    assert "uncommitted changes (tracked.py)" in capsys.readouterr().err


def test_the_tests_of_a_module_are_its_fixtures_then_the_files_naming_its_codes(mutate):
    keys = REPO / "sfprep" / "linter" / "rules" / "values" / "keys.py"
    assert mutate.rule_codes(keys) == ["V010", "V015"]
    helpers = REPO / "sfprep" / "linter" / "rules" / "values" / "common.py"
    assert "V015" in mutate.rule_codes(helpers) and "V001" in mutate.rule_codes(helpers)
    plan = mutate.Plan(["V010", "V015"], ["tests/test_x.py"])
    assert plan.runs() == [["tests/rules", "-k", "V010 or V015"], ["tests/test_x.py"]]
