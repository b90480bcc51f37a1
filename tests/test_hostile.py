"""Hostile input (issue 15): files, configs, describes, manifests and result files nobody
checked. Each case runs sfprep as a child process with a time bound and its peak memory
measured: it gives findings (exit 0 or 1) or one line on stderr and exit 2; never a
traceback, never a hang. The worst peak is printed at the end of the run (-s shows it)."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write

SECONDS = 90          # a case's time bound
MEMORY_MIB = 1536     # its memory bound
DATALOAD = "http://www.force.com/2009/06/asyncapi/dataload"
# The child's peak RSS, read by a small parent of its own: a child of pytest itself would
# report pytest's peak too (Linux carries it through vfork and exec into ru_maxrss).
MEASURED = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
PEAKS: dict[str, float] = {}


def xml(body: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return f'{prolog}<sObjects xmlns="{DATALOAD}">{body}</sObjects>'


def nested(depth: int) -> str:
    return xml("<sObject>" + "<Account><sObject>" * depth + "<Name>x</Name>" + "</sObject></Account>" * depth
               + "</sObject>")


# name -> (file name, content (bytes, str, or a callable of the folder), sfprep arguments after the path)
FILES = {
    "overlong UTF-8": ("Account.csv", b"Name\n\xc0\xaf\n", ["lint"]),
    "encoded surrogate": ("Account.csv", b"Name\n\xed\xa0\x80\n", ["lint"]),
    "UTF-8 truncated at EOF": ("Account.csv", b"Name\nCaf\xc3", ["lint"]),
    "UTF-16 LE with BOM": ("Account.csv", "Name\nAcme\n".encode("utf-16"), ["lint"]),
    "UTF-16 BE without BOM": ("Account.csv", "Name\nAcme\n".encode("utf-16-be"), ["lint"]),
    "UTF-32 with BOM": ("Account.csv", "Name\nAcme\n".encode("utf-32"), ["lint"]),
    "empty file": ("Account.csv", b"", ["lint"]),
    "only a BOM": ("Account.csv", b"\xef\xbb\xbf", ["lint"]),
    "only newlines": ("Account.csv", b"\n" * 100_000, ["lint"]),
    "CR-only line endings": ("Account.csv", b"Name,Phone\rAcme,1\rBeta,2\r", ["lint"]),
    "a 12 MB field": ("Account.csv", b"Name,Description\nAcme,\"" + b"x" * (12 << 20) + b"\"\n", ["lint"]),
    "a 200,000-column header": ("Account.csv", (",".join(f"C{i}__c" for i in range(200_000)) + "\n"
                                                + ",".join("x" for _ in range(200_000)) + "\n").encode(), ["lint"]),
    "unterminated quote after megabytes": ("Account.csv", b"Name\n" + b"Acme\n" * 600_000 + b"\"never closed\n" * 10,
                                           ["lint"]),
    "5 MB without a newline": ("Account.csv", b"Name," + b"x" * (5 << 20), ["lint"]),
    "NUL flood": ("Account.csv", b"Name\n" + b"\0" * (4 << 20), ["lint"]),
    "control bytes": ("Account.csv", b"Name\n" + bytes(range(1, 32)) * 1000 + b"\n", ["lint"]),
    "binary named .csv": ("Account.csv", os.urandom(1 << 20), ["lint"]),
    "gzip named .csv": ("Account.csv", gzip.compress(b"Name\nAcme\n"), ["lint"]),
    "gzip bomb named .csv": ("Account.csv", gzip.compress(b"\0" * (200 << 20), 9), ["lint"]),
    "billion laughs": ("Account.xml", '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                       + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(8))
                       + f']><sObjects xmlns="{DATALOAD}"><sObject><Name>&i;</Name></sObject></sObjects>', ["lint"]),
    "quadratic blowup": ("Account.xml", f'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "{"x" * 50_000}">]>'
                         + xml("<sObject><Name>" + "&a;" * 50_000 + "</Name></sObject>", ""), ["lint"]),
    "external entity": ("Account.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                        + xml("<sObject><Name>&e;</Name></sObject>", ""), ["lint"]),
    "external DTD": ("Account.xml", '<?xml version="1.0"?><!DOCTYPE sObjects SYSTEM "http://example.com/x.dtd">'
                     + xml("<sObject><Name>x</Name></sObject>", ""), ["lint"]),
    "XInclude": ("Account.xml", xml('<sObject><Name><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                                    'href="/etc/passwd" parse="text"/></Name></sObject>'), ["lint"]),
    "100,000-level nesting": ("Account.xml", nested(100_000), ["lint"]),
    "truncated XML": ("Account.xml", xml("<sObject><Name>x</Name></sObject>" * 1000)[:-40], ["lint"]),
    "UTF-16 XML": ("Account.xml", xml("<sObject><Name>x</Name></sObject>", '<?xml version="1.0" encoding="UTF-16"?>')
                   .encode("utf-16"), ["lint"]),
    "XML not closed at all": ("Account.xml", "<sObjects>", ["lint"]),
    "file name with a newline": ("Acc\nount.csv", b"Name\nAcme\n", ["lint"]),
    "file name not ASCII": ("Compte_été_✓.csv", b"Name\nAcme\n", ["lint"]),
    "fix on gzip": ("Account.csv", gzip.compress(b"Name\nAcme\n"), ["fix"]),
    "fix on binary": ("Account.csv", os.urandom(1 << 16), ["fix"]),
    "fix on UTF-16": ("Account.csv", "Name\nAcme\n".encode("utf-16"), ["fix"]),
    "split of binary": ("Account.csv", os.urandom(1 << 16), ["split", "--out", "{tmp}/out"]),
    "split of a DOCTYPE": ("Account.xml", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]>'
                           + xml("<sObject><Name>&x;</Name></sObject>", ""), ["split", "--out", "{tmp}/out"]),
    "convert of billion laughs": ("Account.xml", '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
                                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                                  + xml("<sObject><Name>&b;</Name></sObject>", ""),
                                  ["convert", "--to", "csv", "--out", "{tmp}/out.csv"]),
    "convert of UTF-16 CSV": ("Account.csv", "Name\nAcme\n".encode("utf-16"),
                              ["convert", "--to", "xml", "--out", "{tmp}/out.xml"]),
    "describe not JSON": ("Account.csv", b"Name\nAcme\n", ["lint", "--describe", "{tmp}/describe.json"]),
    "describe a list": ("Account.csv", b"Name\nAcme\n", ["lint", "--describe", "{tmp}/list.json"]),
    "describe of the wrong shape": ("Account.csv", b"Name\nAcme\n", ["lint", "--describe", "{tmp}/shape.json"]),
    "describe huge": ("Account.csv", b"Name\nAcme\n", ["lint", "--describe", "{tmp}/huge.json"]),
    "config not TOML": ("Account.csv", b"Name\nAcme\n", ["lint", "--config", "{tmp}/bad.toml"]),
    "config with an unknown key": ("Account.csv", b"Name\nAcme\n", ["lint", "--config", "{tmp}/unknown.toml"]),
    "config of the wrong types": ("Account.csv", b"Name\nAcme\n", ["lint", "--config", "{tmp}/types.toml"]),
}
SIDE_FILES = {
    "describe.json": b"{not json",
    "list.json": b"[1, 2, 3]",
    "shape.json": b'{"fields": "none", "name": 7}',
    "huge.json": json.dumps({"name": "Account", "fields": [{"name": f"F{i}__c", "type": "string", "length": 80,
                                                              "nillable": True} for i in range(300_000)]}).encode(),
    "bad.toml": b"select = [\n",
    "unknown.toml": b"no-such-setting = 1\n",
    "types.toml": b'select = "Q"\nstrict = "yes"\nmax-changes = -1\n',
}
PATHS = {   # cases that are not a file's content: the path itself is the problem
    "a missing file": ["lint", "{tmp}/missing.csv"],
    "a folder with no data file": ["lint", "{tmp}/emptyfolder"],
    "a FIFO": ["lint", "{tmp}/fifo.csv"],
    "/dev/zero": ["lint", "/dev/zero"],
    "a symlink loop": ["lint", "{tmp}/loop.csv"],
    "a dangling symlink": ["lint", "{tmp}/dangling.csv"],
    "an unreadable file": ["lint", "{tmp}/unreadable.csv"],
    "reconcile with a truncated manifest": ["reconcile", "--manifest", "{tmp}/split/manifest.json", "{tmp}/r.csv"],
    "reconcile with a FIFO result": ["reconcile", "--manifest", "{tmp}/good", "{tmp}/fifo.csv"],
    "reconcile with a binary result": ["reconcile", "--manifest", "{tmp}/good", "{tmp}/binary.csv"],
    "reconcile with results of another split": ["reconcile", "--manifest", "{tmp}/good", "{tmp}/other.result.csv"],
    "reconcile with a 200,000-column result": ["reconcile", "--manifest", "{tmp}/good", "{tmp}/wide.csv"],
    "delta of binary snapshots": ["delta", "--previous", "{tmp}/binary.csv", "--current", "{tmp}/Account.csv",
                                  "--key", "Name", "--out", "{tmp}/d"],
}


def run_case(tmp_path: Path, name: str, argv: list[str]) -> subprocess.CompletedProcess:
    peak_file = tmp_path / "peak"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run([sys.executable, "-c", MEASURED, str(peak_file), sys.executable, "-m", "sfprep", *argv],
                          capture_output=True, timeout=SECONDS, cwd=tmp_path)
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else 0.0
    PEAKS[name] = peak
    err = done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8", "replace")
    assert "Traceback" not in err and "Traceback" not in out, f"{name}: a traceback:\n{err[-1500:]}"
    assert "internal error" not in err, f"{name}: {err.strip()}"
    assert done.returncode in (0, 1, 2), f"{name}: exit {done.returncode}: {err[-500:]}"
    if done.returncode == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sfprep: error: "), f"{name}: not one line: {lines[:5]}"
    assert peak <= MEMORY_MIB, f"{name}: peak RSS {peak:.0f} MiB"
    return done


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_file(tmp_path, name):
    file_name, content, args = FILES[name]
    for side, data in SIDE_FILES.items():
        write(tmp_path / side, data)
    path = tmp_path / file_name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = path.read_bytes()
    done = run_case(tmp_path, name, [args[0], str(path), *args[1:]])
    if args[0] in ("lint", "split", "convert") or done.returncode != 0:
        assert path.read_bytes() == before, f"{name}: the file was changed"
    if args[0] in ("split", "convert") and done.returncode != 0:
        assert not (tmp_path / "out").exists() and not (tmp_path / "out.csv").exists() \
            and not (tmp_path / "out.xml").exists(), f"{name}: output left behind"


@pytest.mark.parametrize("name", list(PATHS))
def test_hostile_path(tmp_path, name):
    write(tmp_path / "Account.csv", "Name\nAcme\nBeta\n")
    (tmp_path / "emptyfolder").mkdir()
    os.mkfifo(tmp_path / "fifo.csv")
    os.symlink(tmp_path / "loop.csv", tmp_path / "loop.csv")
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "dangling.csv")
    unreadable = write(tmp_path / "unreadable.csv", "Name\nAcme\n")
    unreadable.chmod(0)
    write(tmp_path / "binary.csv", os.urandom(4096))
    assert subprocess.run([sys.executable, "-m", "sfprep", "split", str(tmp_path / "Account.csv"), "--out",
                           str(tmp_path / "split")], capture_output=True).returncode == 0
    assert subprocess.run([sys.executable, "-m", "sfprep", "split", str(tmp_path / "Account.csv"), "--out",
                           str(tmp_path / "good")], capture_output=True).returncode == 0
    manifest = tmp_path / "split" / "manifest.json"
    manifest.write_text(manifest.read_text()[:120])
    write(tmp_path / "r.csv", '"Id","Success","Created","Error"\n"001A","true","true",""\n')
    write(tmp_path / "wide.csv", ",".join(f"C{i}" for i in range(200_000)) + "\n" + ",".join("x" * 200_000) + "\n")
    write(tmp_path / "other.result.csv", '"Id","Success","Created","Error"\n' + '"001A","true","true",""\n' * 5)
    done = run_case(tmp_path, name, PATHS[name])
    if name.startswith("reconcile") or name.startswith("delta"):
        assert done.returncode in (1, 2) and not (tmp_path / "good.results" / "summary.json").exists()


def test_the_suite_has_fifty_cases_and_states_its_worst_peak():
    assert len(FILES) + len(PATHS) >= 50
    if PEAKS:
        worst = max(PEAKS, key=PEAKS.get)
        print(f"\nhostile inputs: {len(PEAKS)} cases, worst peak RSS {PEAKS[worst]:.0f} MiB ({worst})")


def test_a_header_wider_than_a_record_may_be_skips_the_value_rules_and_says_so(tmp_path):
    from tests.helpers import invoke

    width = 5_001
    path = write(tmp_path / "Account.csv", ",".join(f"C{i}__c" for i in range(width)) + "\n"
                 + ",".join("x" for _ in range(width)) + "\n")
    code, out, _ = invoke("lint", path, "--format", "json")
    report = json.loads(out)
    assert code == 1 and {f["code"] for f in report["findings"]} >= {"L002"}
    reasons = {s["code"]: s["reason"] for s in report["files"][0]["skipped_rules"]}
    assert "5,001 columns, more than the 5,000" in reasons["V001"] and "L001" in reasons
    narrow = write(tmp_path / "Contact.csv", ",".join(f"C{i}__c" for i in range(5_000)) + "\n"
                   + ",".join("x" for _ in range(5_000)) + "\n")
    report = json.loads(invoke("lint", narrow, "--format", "json")[1])
    assert not any("columns, more than" in s["reason"] for s in report["files"][0]["skipped_rules"])
