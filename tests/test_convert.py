"""`sfprep convert`: CSV <-> Bulk XML, lossless both ways (a property test over random
records), refused with the findings it cannot carry over, written atomically."""
from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import sfprep
from tests.helpers import FIXTURES, lint_json, run_cli, write

XSI = "http://www.w3.org/2001/XMLSchema-instance"
DATALOAD = "{http://www.force.com/2009/06/asyncapi/dataload}"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def convert(*args) -> tuple[int, str]:
    code, _, err = run_cli("convert", *map(str, args))
    return code, err


# --------------------------------------------------------------------------- the mapping

CONTACT = ('LastName,Email,Account.External_Id__c,User:Owner.Username,Phone,Description\n'
           'Smith,a@example.com,A-1,jdoe@example.com,#N/A,"line one\nline two, with <tags> & ""quotes"""\n'
           'Jones,,A-2,,555, padded \n')


def test_csv_to_xml_maps_nulls_relationships_and_types(tmp_path):
    source = write(tmp_path / "Contact.csv", CONTACT)
    assert convert(source, "--to", "xml", "--out", tmp_path / "Contact.xml")[0] == 0
    root = etree.parse(str(tmp_path / "Contact.xml")).getroot()
    assert root.tag == f"{DATALOAD}sObjects" and root.nsmap.get("xsi") == XSI
    first, second = root
    assert first.find(f"{DATALOAD}Phone").get(f"{{{XSI}}}nil") == "true"
    owner = first.find(f"{DATALOAD}Owner/{DATALOAD}sObject")
    assert [(c.tag[len(DATALOAD):], c.text) for c in owner] == [("type", "User"), ("Username", "jdoe@example.com")]
    assert first.find(f"{DATALOAD}Account/{DATALOAD}sObject/{DATALOAD}External_Id__c").text == "A-1"
    assert first.find(f"{DATALOAD}Description").text == 'line one\nline two, with <tags> & "quotes"'
    assert second.find(f"{DATALOAD}Email") is None          # empty: no element
    assert second.find(f"{DATALOAD}Description").text == " padded "
    _code, report = lint_json(tmp_path / "Contact.xml")
    assert [f["code"] for f in report["findings"]] == ["X010"]


def test_xml_to_csv_and_back_is_byte_identical(tmp_path):
    source = write(tmp_path / "Contact.csv", CONTACT)
    convert(source, "--to", "xml", "--out", tmp_path / "Contact.xml")
    assert convert(tmp_path / "Contact.xml", "--to", "csv", "--out", tmp_path / "back.csv")[0] == 0
    assert (tmp_path / "back.csv").read_text() == CONTACT


def test_xsi_is_bound_only_when_a_null_is_written(tmp_path):
    source = write(tmp_path / "Account.csv", "Name,Phone\nAcme,555\n")
    convert(source, "--to", "xml", "--out", tmp_path / "Account.xml")
    assert "xmlns:xsi" not in (tmp_path / "Account.xml").read_text()


def test_crlf_output(tmp_path):
    source = write(tmp_path / "Account.xml", (FIXTURES / "xml" / "guide-sample.xml").read_text())
    assert convert(source, "--to", "csv", "--out", tmp_path / "Employee.csv", "--line-ending", "CRLF")[0] == 0
    data = (tmp_path / "Employee.csv").read_bytes()
    assert data.count(b"\r\n") == 3 and data.count(b"\n") == 3
    assert data.startswith(b"FirstName__c,LastName__c,Title__c,ReportsTo__r.Email__c,Birthdate__c,Description__c\r\n")


def test_the_guides_xml_converts_to_csv(tmp_path):
    assert convert(FIXTURES / "xml" / "guide-relationships.xml", "--to", "csv", "--out", tmp_path / "a.csv")[0] == 0
    assert csv_rows((tmp_path / "a.csv").read_text()) == [
        {"Name": "Activity1", "Person__c:Belongs_To__r.External_ID__c": "123445", "Location__r.External_ID__c": "99837556"}]


# --------------------------------------------------------------------------- refusals and atomicity

@pytest.mark.parametrize("name, content, code", [
    ("Account.csv", 'Name,Phone\n"Smith" ,1\n', "Q004"),
    ("Account.csv", "Name,Phone\nAcme\n", "Q006"),
    ("Account.xml", '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"><sObject><Name>a</Name>',
     "X001"),
    ("Account.xml", '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"><sObject><Parent><sObject>'
                    '<A>1</A><B>2</B></sObject></Parent></sObject></sObjects>', "X006"),
], ids=["padded-quote", "ragged", "truncated", "bad-relationship"])
def test_a_source_convert_cannot_carry_over_is_refused(name, content, code, tmp_path):
    source = write(tmp_path / name, content)
    out = tmp_path / "out.file"
    status, err = convert(source, "--to", "xml" if name.endswith(".csv") else "csv", "--out", out)
    assert status == 1
    assert code in err and "nothing was written" in err
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == [name]


def test_an_existing_output_needs_overwrite(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\nAcme\n")
    out = write(tmp_path / "Account.xml", "keep me")
    status, err = convert(source, "--to", "xml", "--out", out)
    assert status == 2 and "--overwrite" in err
    assert out.read_text() == "keep me"
    assert convert(source, "--to", "xml", "--out", out, "--overwrite")[0] == 0
    assert "<Name>Acme</Name>" in out.read_text()


def test_a_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    from sfprep.converter import to_xml

    source = write(tmp_path / "Account.csv", "Name\nAcme\n")

    def broken(self, *records):
        self.out.write(b"<sObject>partial")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(to_xml.XmlOutput, "write", broken)        # the polars writer
    monkeypatch.setattr(to_xml.XmlOutput, "write_spans", broken)  # the C one
    status, err = convert(source, "--to", "xml", "--out", tmp_path / "Account.xml")
    assert status == 2 and "No space left on device" in err
    assert sorted(os.listdir(tmp_path)) == ["Account.csv"]


def test_the_output_may_not_be_the_source(tmp_path):
    source = write(tmp_path / "Account.csv", "Name\nAcme\n")
    status, err = convert(source, "--to", "csv", "--out", source, "--overwrite")
    assert status == 2 and "is the source file" in err
    assert source.read_text() == "Name\nAcme\n"


# --------------------------------------------------------------------------- the property

COLUMNS = ["Description", "Phone", "Account.External_Id__c", "User:Owner.Username", "Birthdate"]
TEXT = st.text(alphabet=st.sampled_from(list("ab ,\"\n<>&;'é漢\t")), max_size=12)
VALUE = st.one_of(TEXT, st.sampled_from(["", "#N/A", " x", "2023-06-07", "06/07/2023", "NULL"]))


@st.composite
def loads(draw):
    columns = ["Name"] + draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=4))
    count = draw(st.integers(1, 6))
    rows = [[draw(st.text(alphabet="abcxyz", min_size=1, max_size=6))] + [draw(VALUE) for _ in columns[1:]]
            for _ in range(count)]
    return columns, rows


def codes(path: Path) -> Counter:
    """The findings' codes, with the CSV and XML names of one rule made one."""
    same = {"X010": "V001"}
    return Counter(same.get(f["code"], f["code"]) for f in sfprep.lint(str(path), jobs=1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(load=loads())
def test_csv_to_xml_to_csv_keeps_the_values_and_the_findings(load, tmp_path_factory):
    columns, rows = load
    folder = tmp_path_factory.mktemp("load")
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    source = write(folder / "Contact.csv", text.getvalue())
    assert convert(source, "--to", "xml", "--out", folder / "Contact.xml")[0] == 0
    assert convert(folder / "Contact.xml", "--to", "csv", "--out", folder / "back.csv")[0] == 0
    expected = [dict(zip(columns, row)) for row in rows]
    back = csv_rows((folder / "back.csv").read_text(encoding="utf-8"))
    assert [{name: row.get(name, "") for name in columns} for row in back] == expected
    assert set(back[0]) <= set(columns)
    assert codes(folder / "Contact.xml") == codes(source)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(load=loads())
def test_the_c_xml_writer_writes_what_the_polars_one_writes(load, tmp_path_factory, monkeypatch):
    """native/_records.c and the polars expressions of converter/to_xml.py, on the same records."""
    from sfprep.converter import to_xml

    if to_xml._records is None:
        pytest.skip("the C extensions were not built")
    columns, rows = load
    folder = tmp_path_factory.mktemp("writers")
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows([columns, *rows])
    source = write(folder / "Contact.csv", text.getvalue())
    sfprep.convert(source, "xml", folder / "c.xml")
    with monkeypatch.context() as patch:
        patch.setattr(to_xml, "_records", None)
        sfprep.convert(source, "xml", folder / "polars.xml")
    assert (folder / "c.xml").read_bytes() == (folder / "polars.xml").read_bytes()


def test_a_field_first_seen_late_is_converted_in_a_second_pass(tmp_path, monkeypatch):
    """The columns come from the first records; a name that first appears later makes convert
    read the file again with every name, in the order first met: nothing is dropped."""
    from sfprep.io.xml import reader

    monkeypatch.setattr(reader, "HEADER_RECORDS", 2)
    source = write(tmp_path / "Account.xml", '<?xml version="1.0"?>\n<sObjects xmlns="http://www.force.com/'
                   '2009/06/asyncapi/dataload"><sObject><Name>a</Name></sObject><sObject><Name>b</Name></sObject>'
                   '<sObject><Name>c</Name><Phone>1</Phone><Fax>2</Fax></sObject></sObjects>\n')
    assert convert(source, "--to", "csv", "--out", tmp_path / "a.csv")[0] == 0
    assert (tmp_path / "a.csv").read_text() == "Name,Phone,Fax\na,,\nb,,\nc,1,2\n"
    assert sorted(os.listdir(tmp_path)) == ["Account.xml", "a.csv"]
