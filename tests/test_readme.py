"""What the README promises a newcomer: a quick start of exactly two copy-paste commands (the
second is what CI runs), a pre-commit snippet pinned to a real revision that works with
pre-commit itself, and a starter config without placeholders."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import REPO, invoke

README = (REPO / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_quick_start_is_two_one_line_commands_in_a_virtual_environment():
    commands = _quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    install_and_lint, install_and_test = commands
    # PEP 668 (stock Debian/Ubuntu Python) refuses `pip install` outside a virtual environment.
    assert all(c.startswith("python3 -m venv .venv && .venv/bin/pip install") for c in commands)
    assert install_and_lint.endswith(".venv/bin/sfprep lint samples/")
    assert install_and_test.endswith(".venv/bin/python -m pytest") and '".[test]"' in install_and_test


def test_ci_runs_the_readmes_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_commands()[1] in ci


def test_the_starter_config_has_no_placeholder_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init")[0] == 0
    text = (tmp_path / "sfprep.toml").read_text(encoding="utf-8")
    assert "http" not in text and "<you>" not in text and "TODO" not in text


def _pinned_revision() -> str:
    snippet = README.split("### As a pre-commit hook", 1)[1].split("```", 2)[1]
    return re.search(r"rev: (\S+)", snippet).group(1)


def _git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)


@pytest.fixture
def pinned_checkout():
    if _git("rev-parse", "--git-dir").returncode != 0 or _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip("not a full git clone of sfprep: the pinned revision cannot be looked up")
    revision = _pinned_revision()
    assert _git("cat-file", "-e", f"{revision}:.pre-commit-hooks.yaml").returncode == 0, \
        f"README pins {revision}, which is not a commit of this repository with .pre-commit-hooks.yaml"
    return revision


def test_the_pinned_revision_is_a_commit_with_the_hooks(pinned_checkout):
    assert _git("merge-base", "--is-ancestor", pinned_checkout, "HEAD").returncode == 0


def test_pre_commit_runs_the_hook_on_a_data_repo(tmp_path, pinned_checkout):
    """The hooks of this checkout, run by pre-commit itself on a data repo with a bad file."""
    data = tmp_path / "data-repo"
    data.mkdir()
    (data / "Contact.csv").write_bytes(b'LastName,Phone\n"Smith" ,555\n')
    (data / "Account.csv").write_bytes(b"Name,Phone\nAcme,555\n")
    # The hooks as they are in this checkout (the pinned revision is proven above; pre-commit
    # installing sfprep from that old commit would only re-test old code).
    head = _git("rev-parse", "HEAD").stdout.strip()
    (data / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO.as_uri()}\n    rev: {head}\n    hooks:\n      - id: sfprep\n")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "PIP_QUIET": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=data, check=True, env=env)
    if _git("status", "--porcelain", "--untracked-files=no").stdout.strip():
        pytest.skip("uncommitted changes in this checkout: pre-commit installs the hooks from HEAD")
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=data,
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Contact.csv:2:1: Q004" in done.stdout, done.stdout
    assert "Account.csv" not in done.stdout.split("Contact.csv", 1)[0].splitlines()[-1]
