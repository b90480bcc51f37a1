"""The values of --encoding, --date-format and --timezone (and their config keys), checked
before anything runs: a bad one is one line naming the option and the value, never a run
that silently fixes nothing."""
from __future__ import annotations

import re

# The directives datetime.strptime knows.
STRPTIME_DIRECTIVES = set("aAbBcdfGHIjmMpSuUVwWxXyYzZ%")
DATE_DIRECTIVES = set("dmyYjbBUWGVcx")  # at least one of these: a format must read a date
_DIRECTIVE = re.compile(r"%(.?)")


def date_format_problem(fmt: str) -> str | None:
    """Why `fmt` cannot read dates (for strptime), or None when it can."""
    directives = _DIRECTIVE.findall(fmt)
    bad = [d for d in directives if d not in STRPTIME_DIRECTIVES]
    if bad:
        shown = f"%{bad[0]}" if bad[0] else "a lone %"
        return f"{shown} is not a strptime directive (%d, %m, %Y, %H, %M, %S ...)"
    if not set(directives) & DATE_DIRECTIVES:
        return "reads no date: give day, month and year directives, e.g. %m/%d/%Y"
    return None


def timezone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return "not a time zone name (IANA, e.g. Europe/Paris, America/New_York, UTC)"
    return None


def encoding_problem(name: str) -> str | None:
    """Why `name` is not a text encoding Python can decode, or None."""
    import codecs

    try:
        info = codecs.lookup(name)
    except LookupError:
        return "not an encoding Python knows (e.g. cp1252, latin-1, utf-16)"
    if not getattr(info, "_is_text_encoding", True):
        return "not a text encoding"
    return None


def check_formats(encoding: str | None, date_format: str | None, timezone: str | None, fail) -> None:
    """fail(key, value, problem) for the first of these that is wrong."""
    for key, value, problem_of in (("encoding", encoding, encoding_problem),
                                   ("date-format", date_format, date_format_problem),
                                   ("timezone", timezone, timezone_problem)):
        if value is not None:
            problem = problem_of(value)
            if problem:
                fail(key, value, problem)
