"""`--format html`: one self-contained page for a data steward (inline style, script and SVG;
it loads nothing): the counts, a bar per rule, each file's findings grouped by rule and column
(`report/groups.py`: the first few with their source line and a marker, a count of the rest),
each rule's documentation a click away, a filter by rule and severity, the skipped rules.

Everything that comes from the data or the user (paths, messages, values, source lines) is
escaped; the rules' documentation is Markdown rendered with raw HTML and images turned off.
"""
from __future__ import annotations

from html import escape
from typing import Iterable

from sfprep import __version__
from sfprep.core.model import Applicability, FileResult, Severity, StampedFinding
from sfprep.report import plural
from sfprep.report.full import excerpt, fix_note
from sfprep.report.groups import Group, Tally, grouped_files, shown_offsets
from sfprep.report.html_assets import SCRIPT, STYLE
from sfprep.report.source import Spot, locate


def render(results: list[FileResult], out) -> None:
    tally = Tally()
    severities: dict[str, Severity] = {}  # code -> the gravest severity it was reported with
    sections = []
    for result, groups in grouped_files(results, tally):
        sections.append(_file_section(result, groups))
        for group in groups:
            severities[group.code] = max(severities.get(group.code, group.severity), group.severity)
    skipped = _skipped(results)
    out.write(_head())
    out.write(_summary(tally))
    if tally.by_code:
        out.write(_chart(tally.by_code, severities))
        out.write(_filters(tally.by_code, severities))
    out.write(_skipped_section(skipped))
    out.write("<main>\n")
    if not sections:
        out.write(f"<p id='clean'>No findings in {_counted(tally.files, 'file')} checked.</p>\n")
    out.writelines(sections)
    out.write("</main>\n")
    out.write(_docs(list(tally.by_code) + [code for codes, _, _ in skipped for code in codes]))
    out.write(f"<footer>sfprep {escape(__version__)}</footer>\n<script>{SCRIPT}</script>\n</body></html>\n")


def _head() -> str:
    return ("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            "<title>sfprep report</title><link rel='icon' href='data:,'>"
            f"<style>{STYLE}</style></head><body>\n"
            "<header><h1>sfprep report</h1></header>\n")


def _number(count: int) -> str:
    return f"{count:,}"


def _counted(count: int, word: str) -> str:
    """`1 record`, `14,290 records`."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _summary(tally: Tally) -> str:
    summary = tally.summary()
    cards = [_card("error", summary.errors, "errors" if summary.errors != 1 else "error"),
             _card("warning", summary.warnings, "warnings" if summary.warnings != 1 else "warning")]
    if summary.infos:
        cards.append(_card("info", summary.infos, "infos" if summary.infos != 1 else "info"))
    cards.append(_card("files", summary.files_with_findings,
                       "file with findings" if summary.files_with_findings == 1 else "files with findings",
                       f"<small>{_counted(summary.files, 'file')} checked</small>"))
    unsafe = (f"<small>{_number(summary.unsafe_fixable)} more with <code>sfprep fix --unsafe-fixes</code></small>"
              if summary.unsafe_fixable else "")
    cards.append(_card("fix", summary.fixable, "fixable with <code>sfprep fix</code>", unsafe))
    return f"<div class='band'><section class='cards' id='summary'>{''.join(cards)}</section></div>\n"


def _card(kind: str, count: int, label: str, extra: str = "") -> str:
    return f"<div class='card {kind}'><b>{_number(count)}</b> <span>{label}</span> {extra}</div>"


_ROW, _LABEL, _BAR = 26, 250, 470


def _chart(by_code: dict[str, int], severities: dict[str, Severity]) -> str:
    """One horizontal bar per rule, most findings first; a click filters on the rule."""
    from sfprep.linter.registry import get_rule

    rows = sorted(by_code.items(), key=lambda item: (-item[1], item[0]))
    most = rows[0][1]
    height = _ROW * len(rows) + 6
    bars = []
    for i, (code, count) in enumerate(rows):
        y = 3 + i * _ROW
        rule = get_rule(code)
        name = rule.name if rule is not None else ""
        width = max(2, round(_BAR * count / most))
        bars.append(
            f"<g class='bar' data-code='{escape(code)}'><title>{escape(code)} {escape(name)}: "
            f"{_number(count)} (click to show only this rule)</title>"
            f"<rect class='track' x='0' y='{y}' width='{_LABEL + _BAR + 90}' height='{_ROW - 4}'/>"
            f"<text x='0' y='{y + 16}'><tspan font-weight='600'>{escape(code)}</tspan> {escape(name)}</text>"
            f"<rect class='{severities[code].word}' x='{_LABEL}' y='{y + 3}' width='{width}' height='{_ROW - 10}' rx='3'/>"
            f"<text x='{_LABEL + width + 6}' y='{y + 16}'>{_number(count)}</text></g>")
    return (f"<div class='band chart'><h2>Findings per rule</h2>"
            f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {_LABEL + _BAR + 90} {height}' role='img' "
            f"aria-label='Findings per rule'>{''.join(bars)}</svg></div>\n")


def _filters(by_code: dict[str, int], severities: dict[str, Severity]) -> str:
    rules = "".join(f"<option value='{escape(code)}'>{escape(code)} ({_number(count)})</option>"
                    for code, count in sorted(by_code.items()))
    present = sorted(set(severities.values()), reverse=True)
    levels = "".join(f"<option value='{s.word}'>{s.word}</option>" for s in present)
    return ("<form id='filters' hidden onsubmit='return false'>"
            f"<label>Rule <select id='rule'><option value=''>all rules</option>{rules}</select></label>"
            f"<label>Severity <select id='severity'><option value=''>all severities</option>{levels}</select></label>"
            "<output id='shown' class='dim'></output></form>\n")


def _skipped(results: list[FileResult]) -> list[tuple[list[str], str, int]]:
    """(codes, reason, number of files) per reason rules were skipped for."""
    reasons: dict[str, tuple[set[str], set[str]]] = {}
    for result in results:
        for code, reason in result.skipped_rules:
            codes, paths = reasons.setdefault(reason, (set(), set()))
            codes.add(code)
            paths.add(result.path)
    return [(sorted(codes), reason, len(paths)) for reason, (codes, paths) in reasons.items()]


def _skipped_section(skipped: list[tuple[list[str], str, int]]) -> str:
    if not skipped:
        return ""
    items = "".join(f"<li>{', '.join(_doc_link(code, code, 'code') for code in codes)}: {escape(reason)} "
                    f"<span class='dim'>({plural(files, 'file')})</span></li>" for codes, reason, files in skipped)
    return (f"<div class='band skipped' id='skipped'><h2>Skipped rules</h2>"
            f"<p class='dim'>These rules did not run, so a clean result says nothing about them.</p>"
            f"<ul>{items}</ul></div>\n")


def _doc_link(code: str, text: str, kind: str) -> str:
    code = escape(code)
    return (f"<a class='{kind}' href='#doc-{code}' data-doc='{code}' "
            f"title='What {code} checks, why it matters, how to fix it'>{escape(text)}</a>")


def _file_section(result: FileResult, groups: list[Group]) -> str:
    spots = locate(result.path, shown_offsets(groups))
    job = " ".join(escape(part) for part in (result.object, result.operation) if part)
    facts = [job] if job else []
    if result.records is not None:
        facts.append(_counted(result.records, "record"))
    facts.append(_counted(sum(group.total for group in groups), "finding"))
    parts = [f"<section class='file'><h2><code>{escape(result.path)}</code> <small>{' · '.join(facts)}</small></h2>\n"]
    parts.extend(_group(group, spots) for group in groups)
    parts.append("</section>\n")
    return "".join(parts)


def _group(group: Group, spots: dict[int, Spot]) -> str:
    where = f"<span class='mono'>{escape(group.where())}</span>" if group.where() else ""
    head = (f"<h3><span class='sev {group.severity.word}'>{group.severity.word}</span>"
            f"{_doc_link(group.code, group.code, 'code')} <span>{escape(group.rule_name)}</span>{where}"
            f"{_doc_link(group.code, 'about this rule', 'about')}"
            f"<span class='count'>{_counted(group.total, 'finding')}</span></h3>")
    findings = "".join(_finding(stamped, spots.get(stamped.finding.offset)) for stamped in group.shown)
    more = f"<p class='more'>… {escape(group.more_line())}</p>" if group.rest else ""
    return (f"<article class='group {group.severity.word}' data-code='{escape(group.code)}' "
            f"data-severity='{group.severity.word}' data-count='{group.total}'>{head}{findings}{more}</article>\n")


def _finding(stamped: StampedFinding, spot: Spot | None) -> str:
    f = stamped.finding
    place = [f"line {_number(f.line)}" if f.line is not None else "whole file"]
    if f.column is not None:
        place.append(f"field {f.column}")
    mark = ""
    if f.fix is not None:
        safe = f.fix.applicability == Applicability.SAFE
        mark = (f"<span class='fixmark {'safe' if safe else 'unsafe'}'>"
                f"{'fixable' if safe else 'fixable with --unsafe-fixes'}</span>")
    source = _source(f.line, spot) if spot is not None and f.line is not None else ""
    return (f"<div class='finding'><div><span class='loc'>{', '.join(place)}</span>"
            f"<span class='msg'>{inline_code(f.message)}</span>{mark}</div>{source}"
            f"<div class='note'>{inline_code(fix_note(f.fix, f.code, f.hint))}</div></div>")


def _source(line: int, spot: Spot) -> str:
    """The source line with the marked character in a <mark> (an empty one past the line's end)."""
    text, caret = excerpt(spot)
    marked = text[caret:caret + 1]
    mark = f"<mark>{escape(marked)}</mark>" if marked else "<mark class='end'></mark>"
    return (f"<pre class='src'><span class='ln'>{line}</span>"
            f"{escape(text[:caret])}{mark}{escape(text[caret + 1:])}</pre>")


def inline_code(text: str) -> str:
    """`text` escaped, its `backticked` spans as <code> (an unpaired backtick stays a backtick)."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: the last one opens nothing
        pieces[-2:] = [pieces[-2] + "`" + pieces[-1]]
    return "".join(f"<code>{escape(piece)}</code>" if i % 2 else escape(piece) for i, piece in enumerate(pieces))


def _docs(codes: Iterable[str]) -> str:
    from sfprep.linter.docs import rule_markdown
    from sfprep.linter.registry import get_rule

    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False}).disable("image")  # raw HTML escaped, nothing fetched
    parts = []
    for code in dict.fromkeys(codes):
        rule = get_rule(code)
        if rule is not None:
            parts.append(f"<dialog class='doc' id='doc-{escape(code)}'><form method='dialog'>"
                         f"<button class='close'>Close</button></form>{markdown.render(rule_markdown(rule))}</dialog>\n")
    return f"<div id='docs'>{''.join(parts)}</div>\n"

