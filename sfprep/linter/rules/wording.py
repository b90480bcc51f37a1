"""Small helpers for the English of findings."""
from __future__ import annotations


def a(word: str) -> str:
    """`word` with its indefinite article: "an upsert", "an email field", "a date"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
