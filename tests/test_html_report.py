"""The `html` report: one self-contained page, read as HTML (lxml) and in headless Chromium.

The fixture's findings are worked out by hand: CloseDate__c (a date field's name) holds 12
non-ISO dates on lines 2..13 (V005, field 2); `"Acme" ,` on lines 2 and 4 is a Q004 (field 1,
safe fix); ` padded` on line 3 is a V001 warning (field 3, unsafe fix).
"""
from __future__ import annotations

import io
import struct

import lxml.html
import pytest

from sfprep.core.model import FileResult, Finding, Severity, StampedFinding
from sfprep.report import html
from tests.browser import Browser, chromium
from tests.helpers import invoke, write


def _dirty(folder):
    rows = []
    for line in range(2, 14):
        name = '"Acme" ' if line in (2, 4) else "Acme"
        note = " padded" if line == 3 else "ok"
        rows.append(f"{name},{line - 1:02d}/12/2020,{note}")
    return write(folder / "Account.csv", "Name,CloseDate__c,Note\n" + "\n".join(rows) + "\n")


def _page(*args) -> str:
    code, out, err = invoke("lint", "--no-progress", "--format", "html", *args)
    assert code in (0, 1), err
    return out


@pytest.fixture
def dirty_page(tmp_path):
    data = _dirty(tmp_path)
    return data, _page(data)


def _text(element) -> str:
    return " ".join(element.text_content().split())


# --- the page as HTML ----------------------------------------------------------------------

def test_the_page_loads_nothing_from_anywhere(dirty_page):
    _, page = dirty_page
    document = lxml.html.fromstring(page)
    scripts = document.findall(".//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None and scripts[0].text.strip()
    assert len(document.findall(".//style")) == 1
    assert not document.xpath("//*[@src]"), "an element with src= would be fetched"
    assert [(link.get("rel"), link.get("href")) for link in document.findall(".//link")] == [("icon", "data:,")]
    assert all(href.startswith("#") for href in document.xpath("//a/@href"))
    assert not document.findall(".//img") and not document.findall(".//iframe")
    assert page.replace("xmlns='http://www.w3.org/2000/svg'", "").count("http") == 0


def test_the_summary_counts_every_finding(dirty_page):
    _, page = dirty_page
    cards = [_text(card) for card in lxml.html.fromstring(page).cssselect("#summary .card")]
    assert cards == ["14 errors", "1 warning", "1 file with findings 1 file checked",
                     "2 fixable with sfprep fix 1 more with sfprep fix --unsafe-fixes"]


def test_the_chart_has_one_bar_per_rule_most_findings_first(dirty_page):
    _, page = dirty_page
    bars = lxml.html.fromstring(page).cssselect("svg .bar")
    assert [(bar.get("data-code"), bar.findall("text")[-1].text) for bar in bars] == [
        ("V005", "12"), ("Q004", "2"), ("V001", "1")]
    widths = [int(bar.findall("rect")[1].get("width")) for bar in bars]
    assert widths[0] == 470 and widths[1] == round(470 * 2 / 12) and widths[2] == round(470 / 12)


def test_findings_are_grouped_by_rule_and_column_with_the_source_line(dirty_page):
    data, page = dirty_page
    document = lxml.html.fromstring(page)
    groups = document.cssselect("section.file article.group")
    assert [(g.get("data-code"), g.get("data-severity"), g.get("data-count")) for g in groups] == [
        ("Q004", "error", "2"), ("V005", "error", "12"), ("V001", "warning", "1")]
    q004, v005, v001 = groups
    assert len(v005.cssselect(".finding")) == 5
    assert [_text(more) for more in v005.cssselect(".more")] == ["… and 7 more V005 in CloseDate__c (lines 7-13)"]
    assert not q004.cssselect(".more") and not v001.cssselect(".more")
    first = v005.cssselect(".finding")[0]
    assert _text(first.cssselect(".loc")[0]) == "line 2, field 2"
    [source] = first.cssselect("pre.src")
    assert source.text_content() == '2"Acme" ,01/12/2020,ok' and source.cssselect("mark")[0].text == "0"
    [q004_source] = q004.cssselect(".finding")[0].cssselect("pre.src")
    assert q004_source.cssselect("mark")[0].text == " ", "Q004's marker is on the space after the quote"
    assert _text(v001.cssselect(".fixmark")[0]) == "fixable with --unsafe-fixes"
    assert _text(q004.cssselect(".note code")[0]) == "sfprep fix", "backticks become <code>"
    assert _text(document.cssselect("section.file > h2")[0]) == f"{data} Account insert · 12 records · 15 findings"


def test_rule_documentation_is_in_the_page_as_html(dirty_page):
    _, page = dirty_page
    document = lxml.html.fromstring(page)
    [doc] = document.cssselect("dialog#doc-V005")
    assert [_text(h) for h in doc.cssselect("h2")] == ["What it checks", "Why it matters", "Example", "Use instead", "Fix"]
    assert "yyyy-MM-dd" in [code.text for code in doc.cssselect("p code")]
    documented = {d.get("id")[len("doc-"):] for d in document.cssselect("dialog.doc")}
    assert {"V005", "Q004", "V001", "H008", "V016"} <= documented, "found and skipped rules are documented"
    links = {link.get("data-doc") for link in document.cssselect("a[data-doc]")}
    assert links <= documented and {"V005", "H008"} <= links


def test_rule_documentation_markdown_is_rendered_safely(dirty_page, monkeypatch):
    import sfprep.linter.docs

    hostile = ("# X\n\n<script>alert(1)</script> <b onclick=x>b</b>\n\n![logo](http://example.org/a.png)\n\n"
               "[run](javascript:alert(1)) `<i>code</i>`\n\n```\n<pre>fenced</pre>\n```\n")
    monkeypatch.setattr(sfprep.linter.docs, "rule_markdown", lambda rule: hostile)
    data, _ = dirty_page
    document = lxml.html.fromstring(_page(data))
    [doc] = document.cssselect("dialog#doc-V005")
    assert not doc.cssselect("script, b, img, i") and not doc.xpath(".//@onclick")
    # the image is a plain link (followed only on a click), the javascript: link is left as text
    assert [a.get("href") for a in doc.xpath(".//a")] == ["http://example.org/a.png"]
    assert "[run](javascript:alert(1))" in _text(doc)
    assert [code.text for code in doc.cssselect("p code")] == ["<i>code</i>"]
    assert doc.cssselect("pre code")[0].text == "<pre>fenced</pre>\n"
    assert "<script>alert(1)</script>" in _text(doc)


def test_everything_from_the_data_is_escaped(tmp_path):
    data = write(tmp_path / "Account<&'\">.csv", 'Name,Note\n<img src=x onerror=alert(1)> ,b\n')
    page = _page(data)
    document = lxml.html.fromstring(page)
    assert not document.findall(".//img") and len(document.findall(".//script")) == 1
    [group] = document.cssselect("article.group")
    assert group.get("data-code") == "V001"
    assert _text(group.cssselect(".msg")[0]).startswith("value '<img src=x onerror=alert(1)> '")
    assert group.cssselect("pre.src")[0].text_content() == "2<img src=x onerror=alert(1)> ,b"
    assert _text(document.cssselect("section.file > h2 code")[0]) == str(data)


def test_a_clean_file_says_so(tmp_path):
    document = lxml.html.fromstring(_page(write(tmp_path / "Account.csv", "Name\nAcme\n")))
    assert _text(document.cssselect("#clean")[0]) == "No findings in 1 file checked."
    assert not document.cssselect("svg") and not document.cssselect("#filters")


def test_a_million_findings_make_a_page_of_kilobytes(tmp_path):
    data = write(tmp_path / "Account.csv", "Id,Name\n" + "001000000000000,Acme\n" * 10)
    def o004(line: int) -> StampedFinding:
        return StampedFinding(str(data), Severity.ERROR, "id-on-insert",
                              Finding("O004", "Id in an insert", line=line, column=1, field="Id", offset=8 + 20 * (line - 2)))

    def findings():  # lines 2..1,000,001; one object for the middle ones, which only count
        yield from (o004(line) for line in range(2, 8))
        middle = o004(500_000)
        yield from (middle for _ in range(8, 1_000_001))
        yield o004(1_000_001)

    out = io.StringIO()
    html.render([FileResult(str(data), "Account", "insert", 1_000_000, findings())], out)
    page = out.getvalue()
    assert len(page.encode()) < 100_000, f"{len(page.encode()):,} bytes"
    assert "… and 999,995 more O004 in Id (lines 7-1,000,001)" in page
    assert "<b>1,000,000</b> <span>errors</span>" in page


def test_inline_code():
    assert html.inline_code("run `sfprep fix` <now>") == "run <code>sfprep fix</code> &lt;now&gt;"
    assert html.inline_code("a ` b") == "a ` b"
    assert html.inline_code("`<x>` and `y") == "<code>&lt;x&gt;</code> and `y"


# --- in the browser ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium (apt-get install chromium): the page is not checked in a browser")
    opened = Browser(executable)
    yield opened
    opened.close()


@pytest.fixture
def loaded(browser, tmp_path):
    page = tmp_path / "report.html"
    data = _dirty(tmp_path)
    code, _, err = invoke("lint", "--no-progress", "--format", "html", "--output", page, data)
    assert code == 1, err
    since = len(browser.events)
    browser.open(page)
    yield browser, page
    assert browser.requests(since) == [page.resolve().as_uri()], "the page made requests"
    assert browser.errors(since) == [], "console errors"


def _visible_groups(browser) -> list[str]:
    return browser.evaluate("[...document.querySelectorAll('article.group')]"
                            ".filter(g => g.offsetParent !== null).map(g => g.dataset.code)")


def _choose(browser, select: str, value: str) -> None:
    browser.evaluate(f"(() => {{ const s = document.getElementById('{select}'); s.value = '{value}';"
                     "s.dispatchEvent(new Event('change')); })()")


def test_browser_shows_the_summary_and_the_groups(loaded):
    browser, _ = loaded
    assert browser.evaluate("document.querySelector('#summary').innerText").split() == [
        "14", "errors", "1", "warning", "1", "file", "with", "findings", "1", "file", "checked",
        "2", "fixable", "with", "sfprep", "fix", "1", "more", "with", "sfprep", "fix", "--unsafe-fixes"]
    assert browser.evaluate("document.querySelector('article[data-code=V005] .more').innerText") == (
        "… and 7 more V005 in CloseDate__c (lines 7-13)")
    assert _visible_groups(browser) == ["Q004", "V005", "V001"]
    assert not browser.evaluate("document.getElementById('filters').hidden"), "the script shows the filters"
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "wider than the window"


def test_browser_shows_a_rule_documentation_after_a_click(loaded):
    browser, _ = loaded
    assert not browser.evaluate("document.getElementById('doc-V005').open")
    browser.click("article[data-code=V005] a.code")
    assert browser.evaluate("document.getElementById('doc-V005').open")
    text = browser.evaluate("document.getElementById('doc-V005').innerText")
    assert text.startswith("Close\nV005 date-not-iso") and "What it checks" in text and "yyyy-MM-dd" in text
    browser.click("#doc-V005 button.close")
    assert not browser.evaluate("document.getElementById('doc-V005').open")


def test_browser_filters_by_rule_and_by_severity(loaded):
    browser, _ = loaded
    _choose(browser, "rule", "V005")
    assert _visible_groups(browser) == ["V005"]
    assert browser.evaluate("document.getElementById('shown').textContent") == "12 of 15 findings shown"
    _choose(browser, "rule", "")
    _choose(browser, "severity", "warning")
    assert _visible_groups(browser) == ["V001"]
    _choose(browser, "severity", "")
    assert _visible_groups(browser) == ["Q004", "V005", "V001"]
    browser.click(".bar[data-code=Q004]")
    assert _visible_groups(browser) == ["Q004"] and browser.evaluate("document.getElementById('rule').value") == "Q004"
    browser.click(".bar[data-code=Q004]")
    assert _visible_groups(browser) == ["Q004", "V005", "V001"]


def test_browser_screenshot(loaded, tmp_path):
    browser, _ = loaded
    shot = browser.screenshot(tmp_path / "report.png", full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert 1200 <= width <= 1280 and height > 900, (width, height)
