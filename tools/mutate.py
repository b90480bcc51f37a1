#!/usr/bin/env python3
"""Mutation testing for the rule modules: does some test fail when the code is wrong?

Each mutant is one small change to one module under sfprep/linter/rules/: a comparison
flipped (`>` `>=` `<` `<=` `==` `!=`, `in`/`not in`, `is`/`is not`), `and`/`or` swapped,
`&`/`|` swapped, one operand of `and`/`or`/`&`/`|` removed, a `~` or `not` dropped, an
integer constant off by one, an `if`/`while`/conditional/comprehension condition removed
(made `True`). For each mutant the script writes the module, runs the module's tests
(first `tests/rules -k <its rule codes>`, then the test files that name those
codes), restores the module, and counts the mutant killed (a test failed, or the run timed
out) or survived. Survivors are the report: a gap in the tests, or an equivalent mutant.

The module is restored in a `finally` (also on Ctrl-C and SIGTERM), bytes and mtime, and
the script refuses to start on a worktree with uncommitted changes to tracked files, so a
mutant can never be committed by mistake. Mutants are run one at a time: they share the
worktree. No bytecode is written while a mutant is in place.

    python tools/mutate.py                          # every module under sfprep/linter/rules/
    python tools/mutate.py sfprep/linter/rules/limits.py --json /tmp/limits.json
    python tools/mutate.py --list sfprep/linter/rules/file.py     # the mutants, nothing run
    python tools/mutate.py --rerun /tmp/limits.json               # only that run's survivors

A line ending in `# no-mutate` is never mutated.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import tokenize
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "sfprep" / "linter" / "rules"
RULE_TESTS = "tests/rules"          # the fixtures and test_rule_details, by rule code (-k is case-blind)
PRAGMA = "# no-mutate"

FLIPS = {">": ">=", ">=": ">", "<": "<=", "<=": "<", "==": "!=", "!=": "==",
         "in": "not in", "not in": "in", "is": "is not", "is not": "is"}
COMPARE_TOKENS = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!=",
                  ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


@dataclass(frozen=True)
class Mutant:
    path: str          # relative to the repository
    line: int
    start: int         # character offsets in the module's text
    end: int
    replacement: str
    operator: str      # what was done, e.g. "> -> >="

    @property
    def key(self) -> str:
        return f"{self.path}:{self.line}:{self.start}:{self.operator}"

    def apply(self, source: str) -> str:
        return source[:self.start] + self.replacement + source[self.end:]

    def describe(self, source: str) -> str:
        mutated = self.apply(source).splitlines()
        return mutated[self.line - 1].strip() if self.line <= len(mutated) else ""


# --- Finding the mutants -------------------------------------------------------------------

class _Text:
    """Offsets in a module's text: ast's (line, UTF-8 byte column) and tokenize's (line, char)."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                       if t.type in (tokenize.OP, tokenize.NAME, tokenize.NUMBER, tokenize.STRING)]

    def node_start(self, node) -> int:
        return self._at(node.lineno, node.col_offset)

    def node_end(self, node) -> int:
        return self._at(node.end_lineno, node.end_col_offset)

    def _at(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:byte_col].decode("utf-8"))

    def token_offsets(self, token) -> tuple[int, int]:
        (l1, c1), (l2, c2) = token.start, token.end
        return self.starts[l1 - 1] + c1, self.starts[l2 - 1] + c2

    def operator_between(self, after: int, before: int, spellings: set[str]) -> tuple[int, int] | None:
        """The span of the operator (one or two tokens: `not in`) between two offsets."""
        found = [self.token_offsets(t) for t in self.tokens
                 if after <= self.token_offsets(t)[0] and self.token_offsets(t)[1] <= before
                 and t.string in {word for s in spellings for word in s.split()}]
        if not found:
            return None
        return found[0][0], found[-1][1]

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.starts) - 1
        while low < high - 1:
            middle = (low + high) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle
        return low + 1


def mutants_of(path: Path) -> list[Mutant]:
    """Every mutant of one module, in text order; each one parses."""
    source = path.read_text(encoding="utf-8")
    text = _Text(source)
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    found: list[tuple[int, int, str, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        found.extend(_compare(node, text) + _boolean(node, text) + _bitwise(node, text)
                     + _unary(node, text) + _constant(node, text) + _condition(node, text))
    relative = os.path.relpath(path.resolve(), REPO)
    mutants = []
    for start, end, replacement, operator in sorted(set(found)):
        line = text.line_of(start)
        if text.lines[line - 1].rstrip().endswith(PRAGMA):
            continue
        mutant = Mutant(relative, line, start, end, replacement, operator)
        try:
            ast.parse(mutant.apply(source))
        except SyntaxError:
            continue
        mutants.append(mutant)
    return mutants


def _skipped_nodes(tree) -> set[int]:
    """f-strings (message text; their node positions are unreliable before 3.12), annotations
    (never evaluated: `from __future__ import annotations`) and `if TYPE_CHECKING:` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        roots = []
        if isinstance(node, ast.JoinedStr):
            roots.append(node)
        elif isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            roots.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs + [node.args.vararg, node.args.kwarg]
            roots += [node.returns] + [a.annotation for a in arguments if a is not None]
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        for root in roots:
            if root is not None:
                skipped |= {id(child) for child in ast.walk(root)}
    return skipped


def _compare(node, text: _Text) -> list:
    if not isinstance(node, ast.Compare):
        return []
    found = []
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:]):
        spelled = COMPARE_TOKENS[type(op)]
        span = text.operator_between(text.node_end(left), text.node_start(right), {spelled})
        if span:
            found.append((*span, FLIPS[spelled], f"{spelled} -> {FLIPS[spelled]}"))
    return found


def _operand_mutants(node, text: _Text, operands, spellings: dict[str, str]) -> list:
    """Swap each operator of a chain of operands, and remove each operand."""
    spans = []
    for left, right in zip(operands, operands[1:]):
        span = text.operator_between(text.node_end(left), text.node_start(right), set(spellings))
        if span is None:
            return []
        spans.append(span)
    start, end = text.node_start(node), text.node_end(node)
    found = []
    for span in spans:
        spelled = text.source[span[0]:span[1]]
        found.append((*span, spellings[spelled], f"{spelled} -> {spellings[spelled]}"))
    pieces = [start] + [offset for span in spans for offset in span] + [end]
    segments = [(pieces[i], pieces[i + 1]) for i in range(0, len(pieces), 2)]   # each operand, with spaces
    for index in range(len(segments)):
        # Cut the operand and one operator next to it; the rest keeps its text (lines, comments).
        if index == 0:
            following = text.source[segments[1][0]:segments[1][1]]
            cut = (start, segments[1][0] + len(following) - len(following.lstrip()))
        else:
            cut = (_stripped_end(text, segments[index - 1]), _stripped_end(text, segments[index]))
        found.append((*cut, "", f"operand {index + 1} of {len(segments)} removed"))
    return found


def _stripped_end(text: _Text, segment: tuple[int, int]) -> int:
    start, end = segment
    return start + len(text.source[start:end].rstrip())


def _boolean(node, text: _Text) -> list:
    if not isinstance(node, ast.BoolOp):
        return []
    return _operand_mutants(node, text, node.values, {"and": "or", "or": "and"})


def _bitwise(node, text: _Text) -> list:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr))):
        return []
    return _operand_mutants(node, text, [node.left, node.right], {"&": "|", "|": "&"})


def _unary(node, text: _Text) -> list:
    if not (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not))):
        return []
    start, operand = text.node_start(node), text.node_start(node.operand)
    spelled = "~" if isinstance(node.op, ast.Invert) else "not"
    span = text.operator_between(start, operand, {spelled})
    if span is None:
        return []
    end = span[1]
    while text.source[end] in " \t":
        end += 1
    return [(span[0], end, "", f"{spelled} dropped")]


def _constant(node, text: _Text) -> list:
    if not (isinstance(node, ast.Constant) and type(node.value) is int):
        return []
    start, end = text.node_start(node), text.node_end(node)
    return [(start, end, str(node.value + 1), f"{node.value} -> {node.value + 1}"),
            (start, end, str(node.value - 1), f"{node.value} -> {node.value - 1}")]


def _condition(node, text: _Text) -> list:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        tests = [node.test]
    elif isinstance(node, ast.comprehension):
        tests = node.ifs
    else:
        return []
    found = []
    for test in tests:
        if isinstance(test, ast.Constant):
            continue
        found.append((text.node_start(test), text.node_end(test), "True", "condition removed"))
    return found


# --- Which tests, and running them ---------------------------------------------------------

def rule_codes(path: Path) -> list[str]:
    """The codes a module declares; a module of helpers (no @rule) counts as its package's."""
    codes = _declared(path)
    if not codes and path.parent != RULES:
        codes = [code for sibling in sorted(path.parent.glob("*.py")) for code in _declared(sibling)]
    return sorted(set(codes))


def _declared(path: Path) -> list[str]:
    return re.findall(r'@rule\("([A-Z]\d{3})"', path.read_text(encoding="utf-8"))


def family_test_files(codes: list[str]) -> list[str]:
    """The test files (tests/rules aside) that name one of these codes."""
    files = []
    for test in sorted((REPO / "tests").glob("test_*.py")):
        body = test.read_text(encoding="utf-8")
        if any(f'"{code}"' in body or f"'{code}'" in body for code in codes):
            files.append(str(test.relative_to(REPO)))
    return files


@dataclass
class Plan:
    """The pytest runs for one module, cheapest first."""
    codes: list[str]
    files: list[str]

    def runs(self) -> list[list[str]]:
        runs = [[RULE_TESTS, "-k", " or ".join(self.codes)]] if self.codes else []
        return runs + ([self.files] if self.files else [])


def _pytest(args: list[str], timeout: float, mutated: bool) -> str:
    """'passed', 'failed' or 'timeout'. In its own process group, killed whole on timeout."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1") if mutated else None
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return "passed" if code == 0 else "failed"


def run_plan(plan: Plan, timeouts: list[float], mutated: bool) -> str:
    for args, timeout in zip(plan.runs(), timeouts):
        outcome = _pytest(args, timeout, mutated)
        if outcome != "passed":
            return outcome
    return "passed"


class Interrupted(Exception):
    pass


def _raise_interrupted(signum, frame):
    raise Interrupted(f"signal {signum}")


def with_mutant(mutant: Mutant, action):
    """Write the mutant, call action(), and restore the module's bytes and mtime, whatever happens."""
    path = REPO / mutant.path
    original = path.read_bytes()
    stat = path.stat()
    try:
        path.write_bytes(mutant.apply(original.decode("utf-8")).encode("utf-8"))
        # A different mtime, so that no cached bytecode of the original is taken for the mutant.
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        return action()
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


# --- Safety checks -------------------------------------------------------------------------

def dirty_files() -> list[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return [line[3:] for line in out.splitlines() if line.strip()]


def imported_sfprep() -> Path:
    out = subprocess.run([sys.executable, "-c", "import sfprep; print(sfprep.__file__)"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return Path(out.strip()).resolve().parent


# --- The command ---------------------------------------------------------------------------

def _modules(paths: list[str]) -> list[Path]:
    if not paths:
        return sorted(p for p in RULES.rglob("*.py") if p.name != "__init__.py")
    modules = [Path(p).resolve() for p in paths]
    for module in modules:
        if RULES not in module.parents or module.suffix != ".py" or not module.is_file():
            raise SystemExit(f"mutate: {module} is not a module under {RULES.relative_to(REPO)}/")
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules under sfprep/linter/rules/ (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and their tests; run nothing")
    parser.add_argument("--rerun", metavar="JSON", action="append",
                        help="run only the survivors of a previous --json report (repeatable)")
    parser.add_argument("--json", metavar="FILE", help="write every mutant's outcome to FILE")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="a run times out at this many times its unmutated duration, at least 30 s (default 5)")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line for every mutant, killed ones too")
    args = parser.parse_args(argv)

    modules = _modules(args.modules)
    wanted = None
    if args.rerun:
        previous = [r for report in args.rerun for r in json.loads(Path(report).read_text())["mutants"]]
        wanted = {r["key"] for r in previous if r["outcome"] == "survived"}
        modules = sorted({REPO / r["path"] for r in previous if r["key"] in wanted})
    by_module = {m: [x for x in mutants_of(m) if wanted is None or x.key in wanted] for m in modules}

    if args.list:
        for module, mutants in by_module.items():
            plan = Plan(rule_codes(module), family_test_files(rule_codes(module)))
            print(f"{module.relative_to(REPO)}: {len(mutants)} mutants; tests: {plan.runs()}")
            source = module.read_text(encoding="utf-8")
            for m in mutants:
                print(f"  {m.line}: {m.operator}: {m.describe(source)}")
        return 0

    dirty = dirty_files()
    if dirty:
        print(f"mutate: the worktree has uncommitted changes ({', '.join(dirty)}); commit or stash them first "
              "(a mutant left by a killed run shows here: `git checkout -- FILE`)", file=sys.stderr)
        return 2
    if imported_sfprep() != REPO / "sfprep":
        print(f"mutate: `import sfprep` from {REPO} loads {imported_sfprep()}, not this worktree's; "
              "the tests would not see the mutants", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGHUP, _raise_interrupted)
    results = []
    try:
        for module, mutants in by_module.items():
            results += _run_module(module, mutants, args.timeout, args.verbose)
    except (Interrupted, KeyboardInterrupt) as stop:
        print(f"mutate: stopped ({stop or 'Ctrl-C'}); every module restored", file=sys.stderr)
    finally:
        assert not dirty_files(), "a mutated module was left behind"
    _report(results, args.json)
    return 1 if any(r["outcome"] == "survived" for r in results) else 0


def _run_module(module: Path, mutants: list[Mutant], timeout_factor: float, verbose: bool) -> list[dict]:
    relative = module.relative_to(REPO)
    codes = rule_codes(module)
    plan = Plan(codes, family_test_files(codes))
    timeouts = []
    for run in plan.runs():
        began = time.monotonic()
        if _pytest(run, 600, mutated=False) != "passed":
            raise SystemExit(f"mutate: the unmutated tests fail for {relative} ({run}); fix them first")
        timeouts.append(max(30.0, timeout_factor * (time.monotonic() - began)))
    source = module.read_text(encoding="utf-8")
    print(f"{relative}: {len(mutants)} mutants, codes {' '.join(codes) or '-'}, then {' '.join(plan.files) or '-'}",
          file=sys.stderr, flush=True)
    results = []
    for number, mutant in enumerate(mutants, 1):
        began = time.monotonic()
        outcome = with_mutant(mutant, lambda: run_plan(plan, timeouts, mutated=True))
        outcome = {"passed": "survived", "failed": "killed", "timeout": "killed (timeout)"}[outcome]
        results.append({**asdict(mutant), "key": mutant.key, "outcome": outcome, "mutated": mutant.describe(source),
                        "seconds": round(time.monotonic() - began, 1)})
        if outcome == "survived" or verbose:
            print(f"  [{number}/{len(mutants)}] {outcome.upper()} {relative}:{mutant.line}: {mutant.operator}: "
                  f"{mutant.describe(source)}", file=sys.stderr, flush=True)
    return results


def _report(results: list[dict], json_path: str | None) -> None:
    survivors = [r for r in results if r["outcome"] == "survived"]
    by_path: dict[str, list[int]] = {}
    for r in results:
        counts = by_path.setdefault(r["path"], [0, 0])
        counts[0] += 1
        counts[1] += r["outcome"] == "survived"
    for path, (total, survived) in by_path.items():
        print(f"{path}: {total} mutants, {total - survived} killed, {survived} survived")
    print(f"total: {len(results)} mutants, {len(results) - len(survivors)} killed, {len(survivors)} survived")
    for r in survivors:
        print(f"  {r['path']}:{r['line']}: {r['operator']}: {r['mutated']}")
    if json_path:
        Path(json_path).write_text(json.dumps({"mutants": results}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
