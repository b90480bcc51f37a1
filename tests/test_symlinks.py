"""`fix` through a symbolic link (issue 9, item 7): the file the link points to is rewritten,
atomically, in its own folder, and the link stays a link. A loop of links or a link to
nothing is one line on stderr and exit 2."""
from __future__ import annotations

import os
import stat

import pytest

from tests.helpers import assert_usage_error, invoke, run_cli

BAD = b" Name,Phone\nAcme,555-0100\n"     # H003: the header name's leading space
FIXED = b"Name,Phone\nAcme,555-0100\n"


@pytest.fixture
def linked(tmp_path):
    """data/real.csv (mode 0640), and links/Account.csv -> ../data/real.csv (relative)."""
    data, links = tmp_path / "data", tmp_path / "links"
    data.mkdir()
    links.mkdir()
    real = data / "real.csv"
    real.write_bytes(BAD)
    real.chmod(0o640)
    link = links / "Account.csv"
    link.symlink_to(os.path.join("..", "data", "real.csv"))
    return real, link


def test_fix_writes_the_target_and_keeps_the_link(linked):
    real, link = linked
    code, _, err = run_cli("fix", "--no-progress", "--exit-zero", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "data", "real.csv")
    assert real.read_bytes() == FIXED
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(os.listdir(real.parent)) == ["real.csv"]      # no temporary file left beside the target
    assert sorted(os.listdir(link.parent)) == ["Account.csv"]   # nor beside the link


def test_a_chain_of_links_is_followed_to_the_end(linked, tmp_path):
    real, link = linked
    outer = tmp_path / "Account.csv"
    outer.symlink_to(link)
    code, _, err = run_cli("fix", "--no-progress", "--exit-zero", outer)
    assert code == 0, err
    assert outer.is_symlink() and link.is_symlink()
    assert real.read_bytes() == FIXED


def test_diff_through_a_link_writes_nothing(linked):
    real, link = linked
    code, out, err = run_cli("fix", "--diff", "--no-progress", link)
    assert code == 1, err
    assert "+Name,Phone" in out
    assert link.is_symlink() and real.read_bytes() == BAD


def test_a_loop_of_links_is_one_line(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.symlink_to(second.name)
    second.symlink_to(first.name)
    for command in ("fix", "lint"):
        code, out, err = invoke(command, "--no-progress", first)
        assert_usage_error(code, out, err, str(first), "loop of symbolic links")
    assert first.is_symlink() and second.is_symlink()


def test_a_dangling_link_is_one_line(tmp_path):
    link = tmp_path / "Account.csv"
    link.symlink_to("gone.csv")
    for command in ("fix", "lint"):
        code, out, err = invoke(command, "--no-progress", link)
        assert_usage_error(code, out, err, str(link), "a symbolic link to gone.csv, which does not exist")
    assert link.is_symlink() and not (tmp_path / "gone.csv").exists()
