"""Bulk XML batches (issue 12): the guide's samples, the corpus's XML, hostile files (each in
its own process, with a time and memory bound), content over extension, XML in the reports."""
from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CORPUS, FIXTURES, findings_of, lint_json, run_cli, write

XML_FIXTURES = FIXTURES / "xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n')
TAIL = "</sObjects>\n"


def batch(*records: str) -> str:
    return HEAD + "".join(f"  <sObject>{record}</sObject>\n" for record in records) + TAIL


# --------------------------------------------------------------------------- the guide, the corpus

@pytest.mark.parametrize("name", ["guide-sample.xml", "guide-relationships.xml"])
def test_the_guides_samples_lint_clean(name, tmp_path):
    """The Bulk API guide's "Sample XML File" and its relationship sample (repaired of the
    PDF's extraction damage: `s0bject`, `External ID c`, lost closing tags) hold no finding."""
    code, report = lint_json(XML_FIXTURES / name)
    assert (code, report["findings"]) == (0, [])
    assert report["files"][0]["records"] == (2 if name == "guide-sample.xml" else 1)


CORPUS_XML = sorted((CORPUS / "cumulusci" / "bulk1").glob("*.xml")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_XML, reason="../shared/corpus is not beside this clone")
@pytest.mark.parametrize("path", CORPUS_XML, ids=lambda p: p.name)
def test_cumulusci_job_xml_is_no_batch(path):
    """CumulusCI's recorded jobInfo / batchInfoList bodies (PROVENANCE.md) are API messages,
    not batches: one X003 naming their root, at its line, and nothing else."""
    root = re.search(rb"<([A-Za-z]+)[\s>/]", path.read_bytes().split(b"?>", 1)[-1])[1].decode()
    code, report = lint_json(path)
    assert code == 1
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("X003", 1)]
    assert f"<{root}>" in report["findings"][0]["message"]


# --------------------------------------------------------------------------- hostile files

# Lints one file in a child process, and reports its exit, output, time and peak memory
# (wait4's ru_maxrss of that child alone).
DRIVER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen([sys.executable, "-m", "sfprep", "lint", "--format", "json", "--no-progress", sys.argv[1]],
                         stdout=open(sys.argv[2], "wb"), stderr=subprocess.PIPE)
err = child.stderr.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "err": err.decode(errors="replace"),
                  "seconds": time.perf_counter() - started, "peak_rss": usage.ru_maxrss * 1024}))
"""
MAX_SECONDS = 20
MAX_RSS = 200 << 20


def lint_bounded(path: Path, max_rss: int = MAX_RSS) -> tuple[int, dict | None, str]:
    """(exit code, report or None, stderr) of `sfprep lint` on the file, held to MAX_SECONDS
    and MAX_RSS (the lint process's own peak resident memory)."""
    out = path.with_name(path.name + ".report.json")
    done = subprocess.run([sys.executable, "-c", DRIVER, str(path), str(out)], capture_output=True, text=True,
                          timeout=MAX_SECONDS * 3)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["seconds"] <= MAX_SECONDS, f"{path.name}: {measured['seconds']:.1f} s"
    assert measured["peak_rss"] <= max_rss, f"{path.name}: peak RSS {measured['peak_rss'] / (1 << 20):.0f} MiB"
    assert "Traceback" not in measured["err"], measured["err"]
    report = json.loads(out.read_text()) if measured["code"] in (0, 1) else None
    return measured["code"], report, measured["err"]


def only(report: dict) -> list[tuple[str, int | None]]:
    return [(f["code"], f["line"]) for f in report["findings"]]


def test_billion_laughs_is_refused_unexpanded(tmp_path):
    laughs = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                                        for i in range(1, 10)]
    path = write(tmp_path / "Account.xml", '<?xml version="1.0"?>\n<!DOCTYPE sObjects [\n' + "\n".join(laughs)
                 + '\n]>\n<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
                 '<sObject><Name>&lol9;</Name></sObject></sObjects>\n')
    code, report, _ = lint_bounded(path)
    assert (code, only(report)) == (1, [("X009", 2)])
    reasons = {s["code"]: s["reason"] for s in report["files"][0]["skipped_rules"]}
    assert reasons["X001"] == reasons["V005"] == "the file has a DOCTYPE, which sfprep never parses"


def test_quadratic_blowup_is_refused_unexpanded(tmp_path):
    path = write(tmp_path / "Account.xml", '<!DOCTYPE sObjects [<!ENTITY a "' + "x" * 100_000 + '">]>\n'
                 '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"><sObject><Name>'
                 + "&a;" * 100_000 + "</Name></sObject></sObjects>\n")
    code, report, _ = lint_bounded(path)
    assert (code, only(report)) == (1, [("X009", 1)])


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE sObjects [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE sObjects SYSTEM "http://127.0.0.1:9/evil.dtd">',
    '<!DOCTYPE sObjects [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>',
], ids=["external-entity", "external-dtd", "parameter-entity"])
def test_external_entities_and_dtds_are_never_fetched(declaration, tmp_path):
    path = write(tmp_path / "Account.xml", '<?xml version="1.0"?>\n' + declaration + "\n"
                 '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"><sObject><Name>&secret;</Name>'
                 "</sObject></sObjects>\n")
    code, report, _ = lint_bounded(path)
    assert (code, only(report)) == (1, [("X009", 2)])
    assert "root:" not in json.dumps(report)  # nothing of /etc/passwd


def test_a_doctype_after_a_long_comment_is_still_found(tmp_path):
    """The prolog is read past the sniffer's 64 KB, as far as it goes."""
    path = write(tmp_path / "Account.xml", "<!--" + "c" * 1_000_000 + "-->\n<!DOCTYPE x [<!ENTITY e 'v'>]>\n"
                 '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"/>\n')
    code, report, _ = lint_bounded(path)
    assert (code, only(report)) == (1, [("X009", 2)])


def test_deep_nesting_is_not_well_formed(tmp_path):
    path = write(tmp_path / "Account.xml", HEAD + "<sObject><Name>" + "<a>" * 100_000 + "x" + "</a>" * 100_000
                 + "</Name></sObject>" + TAIL)
    code, report, _ = lint_bounded(path)
    assert code == 1
    assert [f["code"] for f in report["findings"]] == ["X001"]
    assert "depth" in report["findings"][0]["message"]


def test_a_20_mb_text_node_is_not_read(tmp_path):
    path = tmp_path / "Account.xml"
    path.write_bytes((HEAD + "  <sObject><Name>").encode() + b"x" * 20_000_000 + ("</Name></sObject>\n" + TAIL).encode())
    code, report, _ = lint_bounded(path)
    assert code == 1
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("L005", None), ("X001", 3)]


@pytest.mark.parametrize("cut", [40, 200, -20], ids=["in-the-root-tag", "in-a-record", "before-the-end"])
def test_a_truncated_document_is_not_well_formed(cut, tmp_path):
    whole = batch("<Name>Acme</Name>", "<Name>Globex</Name>", "<Name>Initech</Name>").encode()
    path = tmp_path / "Account.xml"
    path.write_bytes(whole[:cut])
    code, report, _ = lint_bounded(path)
    assert code == 1
    assert "X001" in [f["code"] for f in report["findings"]]


def test_utf16_xml_is_not_utf8(tmp_path):
    path = tmp_path / "Account.xml"
    path.write_bytes(batch("<Name>Acme</Name>").replace("UTF-8", "UTF-16").encode("utf-16"))
    code, report, _ = lint_bounded(path)
    assert (code, [f["code"] for f in report["findings"]]) == (1, ["F001"])


def test_gzip_named_xml_is_not_unpacked(tmp_path):
    """lxml given a path would unpack it silently: sfprep gives it none."""
    path = tmp_path / "Account.xml"
    path.write_bytes(gzip.compress(batch("<Name>Acme</Name>").encode()))
    code, report, _ = lint_bounded(path)
    assert (code, [f["code"] for f in report["findings"]]) == (1, ["F001"])
    assert "gzip" in report["findings"][0]["message"]


def test_many_records_in_bounded_memory(tmp_path):
    """300,000 records (48 MB): read in blocks, every record counted, memory bounded."""
    record = "  <sObject><Name>Acme Corporation</Name><Phone>555-0100</Phone><Site>HQ</Site></sObject>\n"
    path = tmp_path / "Account.xml"
    with open(path, "w") as out:
        out.write(HEAD)
        for _ in range(30):
            out.write(record * 10_000)
        out.write(TAIL)
    _code, report, _ = lint_bounded(path)
    assert report["files"][0]["records"] == 300_000
    assert [f["code"] for f in report["findings"]] == ["L004", "L005", "L006"]


def test_an_undefined_entity_is_not_well_formed(tmp_path):
    path = write(tmp_path / "Account.xml", batch("<Name>&nbsp;Acme</Name>"))
    code, report, _ = lint_bounded(path)
    assert (code, [f["code"] for f in report["findings"]]) == (1, ["X001"])


# --------------------------------------------------------------------------- content over extension

@pytest.mark.parametrize("name, expected", [("Account.csv", [("F008", 1), ("X010", 3)]), ("Account.xml", [("X010", 3)])])
def test_xml_is_read_as_xml_and_fix_leaves_it_alone(name, expected, tmp_path):
    """The issue's case: the CSV rules would see `<sObjects xmlns=...` as a padded column name
    and offer to join it into `<sObjectsxmlns=`. XML findings carry no fix: `fix`, even with
    --unsafe-fixes, writes nothing, whatever the file is named."""
    text = batch("<Name> Acme</Name>")
    path = write(tmp_path / name, text)
    _, report = lint_json(path)
    assert only(report) == expected
    assert all(f["fix"] is None for f in report["findings"])
    code, _, _ = run_cli("fix", "--unsafe-fixes", path)
    assert code == (1 if name.endswith(".csv") else 0)   # F008 is an error, X010 a warning
    assert path.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_csv_named_xml_is_read_as_csv(tmp_path):
    path = write(tmp_path / "Account.xml", "Name,Phone\nAcme ,555\n")
    _code, report = lint_json(path)
    assert only(report) == [("F008", 1), ("V001", 2)]


def test_csv_rules_are_not_listed_on_xml_nor_xml_rules_on_csv(tmp_path):
    xml = write(tmp_path / "Account.xml", batch("<Name>Acme</Name>"))
    csv = write(tmp_path / "Contact.csv", "LastName\nSmith\n")
    _, report = lint_json("--select", "ALL", xml, csv)
    skipped = {f["path"]: {s["code"] for s in f["skipped_rules"]} for f in report["files"]}
    assert "X008" in skipped[str(xml)] and "H010" not in skipped[str(xml)]
    assert "X008" not in skipped[str(csv)] and "H010" in skipped[str(csv)]


def test_a_field_first_seen_after_the_columns_were_read_is_reported_skipped(tmp_path, monkeypatch):
    from sfprep.io.xml import reader

    monkeypatch.setattr(reader, "HEADER_RECORDS", 2)
    path = write(tmp_path / "Account.xml", batch("<Name>a</Name>", "<Name>b</Name>", "<Name>c</Name><Phone> 1</Phone>"))
    _, report = lint_json(path)
    reasons = {s["code"]: s["reason"] for s in report["files"][0]["skipped_rules"]}
    assert "Phone (record 3)" in reasons["X010"]
    assert findings_of(report, "X010") == []


# --------------------------------------------------------------------------- reports

def test_xml_findings_carry_the_elements_line_in_every_format(tmp_path):
    path = write(tmp_path / "Account.xml", HEAD + "  <sObject>\n    <Name>Acme</Name>\n"
                 "    <Phone xsi:nil=\"yes\"/>\n  </sObject>\n" + TAIL)
    code, out, _ = run_cli("lint", "--format", "full", "--no-progress", path)
    assert "5 |     <Phone xsi:nil=\"yes\"/>" in out
    assert re.search(r"\n\s+\|     \^", out)
    code, out, _ = run_cli("lint", "--format", "github", "--no-progress", path)
    assert "line=5" in out and "X005" in out
    _code, out, _ = run_cli("lint", "--format", "sarif", "--no-progress", path)
    results = json.loads(out)["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] \
        == [("X005", 5)]


def test_records_that_each_bring_new_names_stay_in_bounded_memory(tmp_path):
    """40,000 records, each with a field of its own name: the columns are those of the first
    block (the rest are reported skipped), and a block's records x columns stays bounded
    (reader.GRID_CELLS). Hundreds of columns cost the rules more than the shapes above: the
    bound here is the issue's 300 MiB for a lint, not its 200 MB for a refusal."""
    path = tmp_path / "Account.xml"
    with open(path, "w") as out:
        out.write(HEAD)
        out.write("".join(f"<sObject><Name>a</Name><F{i}__c>v</F{i}__c></sObject>\n" for i in range(40_000)))
        out.write(TAIL)
    code, report, _ = lint_bounded(path, max_rss=300 << 20)
    assert report["files"][0]["records"] == 40_000
    assert any("first seen after the first" in s["reason"] for s in report["files"][0]["skipped_rules"])
