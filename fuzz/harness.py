"""Coverage-guided fuzzing of sfprep's readers with atheris (issue 15).

    pip install -e ".[fuzz]"
    python fuzz/harness.py scanner -max_total_time=600      # also: xml, describe, config
    python fuzz/harness.py scanner fuzz/corpus/scanner -max_total_time=600   # keep a corpus

Each input is written to a file and read as a user's would be: `scanner` and `xml` lint it
with every rule, `describe` parses it as a describe JSON, `config` as a sfprep.toml. The
only acceptable outcomes are a result or sfprep.UsageError (the one-line error); anything
else is a crash, which atheris saves as crash-<hash> for a regression test
(tests/test_fuzz_regressions.py reads fuzz/regressions/).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["sfprep"]):
    import importlib
    import pkgutil

    import sfprep
    from sfprep.core.config import load_settings
    from sfprep.core.model import UsageError
    from sfprep.salesforce.describe import parse_describe

    # sfprep imports most modules lazily, inside functions: import them all here, so that
    # every one is instrumented and its branches guide the fuzzer
    for module in pkgutil.walk_packages(sfprep.__path__, "sfprep."):
        if ".cli" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)

FOLDER = tempfile.mkdtemp(prefix="sfprep-fuzz-")
TARGETS = {}


def target(name: str):
    def register(function):
        TARGETS[name] = function
        return function
    return register


def _file(name: str, data: bytes) -> str:
    path = os.path.join(FOLDER, name)
    with open(path, "wb") as stream:
        stream.write(data)
    return path


def _lint(name: str, data: bytes) -> None:
    try:
        list(sfprep.lint(_file(name, data), select=["ALL"]))
    except UsageError:
        pass


@target("scanner")
def lint_csv(data: bytes) -> None:
    _lint("Account.csv", data)


@target("xml")
def lint_xml(data: bytes) -> None:
    _lint("Account.xml", data)


@target("describe")
def describe(data: bytes) -> None:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return   # the loader refuses what is not JSON before parse_describe sees it
    try:
        parse_describe(parsed, "fuzz.json")
    except UsageError:
        pass


@target("config")
def config(data: bytes) -> None:
    from pathlib import Path

    try:
        load_settings(Path(_file("sfprep.toml", data)))
    except UsageError:
        pass


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python fuzz/harness.py {{{'|'.join(TARGETS)}}} [corpus folder] [libFuzzer options]")
    chosen = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, chosen)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
