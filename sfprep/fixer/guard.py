"""Which fixes a file may take. A file that is not UTF-8 text (an F001 finding: gzip, XLSX,
UTF-16, cp1252...) takes none but the re-encode the user asked for (`--encoding`), which
makes it UTF-8; any other edit would change bytes whose meaning sfprep does not know (an
H003 "fix" of gzip data destroys the archive). A file whose F001 finding has no fix is
not edited at all."""
from __future__ import annotations

import codecs
import dataclasses

from sfprep.core.model import Applicability, FileResult, Fix
from sfprep.fixer.choose import choose_fixes
from sfprep.io.atomic import COPY_BLOCK

NOT_UTF8 = "F001"


def allowed_fixes(result: FileResult, threshold: Applicability, path: str,
                  lint_checks_utf8: bool) -> tuple[list[tuple[str, Fix]], bool]:
    """(the fixes a pass may apply to `path`, whether the file is not UTF-8 text).

    `lint_checks_utf8` says whether the lint that gave `result` ran F001; if not, the file
    is read once more to know, before anything is written."""
    fixable, not_utf8 = fixable_findings(result, path, lint_checks_utf8, threshold)
    return choose_fixes(fixable, threshold), not_utf8


def fixable_findings(result: FileResult, path: str, lint_checks_utf8: bool,
                     threshold: Applicability = Applicability.UNSAFE) -> tuple[list, bool]:
    """(the findings whose fixes meet the threshold and may be applied to `path`, whether the
    file is not UTF-8 text)."""
    store = result.findings
    if NOT_UTF8 in store.codes():
        return list(store.with_fixes(threshold, {NOT_UTF8})), True
    has_fixes = any(applicability >= threshold for (_, _, applicability, _) in store.counts)
    if has_fixes and not lint_checks_utf8 and not is_utf8_file(path):
        return [], True
    return list(store.with_fixes(threshold)) if has_fixes else [], False


def is_utf8_file(path: str) -> bool:
    """Whether the whole file decodes as UTF-8 (for a lint that did not run F001)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with open(path, "rb") as stream:
        while True:
            block = stream.read(COPY_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                return False
            if not block:
                return True


def without_fixes(result: FileResult) -> FileResult:
    """The result with no fix offered on a file that was left alone (F001's re-encode aside)."""
    result.findings.replace_all([
        stamped if stamped.finding.fix is None or stamped.code == NOT_UTF8
        else dataclasses.replace(stamped, finding=dataclasses.replace(stamped.finding, fix=None))
        for stamped in result.findings])
    return result
