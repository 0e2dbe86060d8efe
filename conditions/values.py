"""K# value semantics in Python: the reference the SQL compiler is tested against.

Rules (shared with ``conditions.sql``, checked by the differential tests):
- Strings compare case-insensitively through ``str.lower``; an empty string equals null.
- For string methods null behaves as the empty string.
- Ordering comparisons involving null (or an empty string) are false.
- Arithmetic on null gives null; string concatenation treats null as empty.
- Integer division and ``mod`` truncate toward zero (C#, SQLite and PostgreSQL agree); division
  by zero gives null.
- Datetimes are naive UTC: aware values are converted when they enter.
- Under Kentico's ``|(casesensitive)true`` the string comparisons (``==``, ordering,
  ``Contains``…, ``EqualsAny``) take the text as it is (``exact``) instead of folded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from conditions.types import Type, Value


def normalize(value: object, type_: Type | None = None) -> Value:
    """Bring a caller's value into the runtime representation (``Decimal`` → float, UTC, ...)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if type_ is Type.DECIMAL and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value  # type: ignore[return-value]


def fold_case(text: str) -> str:
    """Per-character simple lowercase: the one case mapping every backend computes alike.

    Python's ``str.lower`` applies two special rules PostgreSQL's ``lower()`` does not (a
    final capital sigma becomes the final form; a dotted capital I becomes i + U+0307);
    mapping character by character and keeping the first character of each mapping gives
    the plain small sigma and i, as PostgreSQL does. Text without those two characters
    (capital sigma, dotted capital I) takes ``str.lower`` directly: it runs per row.
    """
    if text.isascii() or ("\u03a3" not in text and "\u0130" not in text):
        return text.lower()
    return "".join(char.lower()[0] for char in text)


def lower(value: str | None) -> str:
    """Null-as-empty lowercase: the single case folding both backends use."""
    return "" if value is None else fold_case(value)


def exact(value: str | None) -> str:
    """Null-as-empty text, not folded: what a case-sensitive condition compares."""
    return "" if value is None else value


# The characters outside ASCII whose case folding is an ASCII letter (a test checks every
# code point): LATIN CAPITAL LETTER I WITH DOT ABOVE → i, KELVIN SIGN → k.
_NON_ASCII_FOLDING_TO = {"i": "\u0130", "k": "\u212a"}


def ascii_folding_hazards(folded: str) -> str | None:
    """What a value must hold for an ASCII-only case-insensitive match against ``folded``
    text to differ from an exact one: those characters, or None for "any non-ASCII one".

    SQLite's LIKE and NOCASE fold ASCII letters only. Against a folded constant that is
    exact except where a non-ASCII character of the value folds onto a character of the
    constant: any, if the constant holds non-ASCII characters; else only the two that fold
    onto an ``i`` or a ``k``, if it holds those.
    """
    if not folded.isascii():
        return None
    return "".join(sorted({_NON_ASCII_FOLDING_TO[char] for char in folded
                           if char in _NON_ASCII_FOLDING_TO}))


def ascii_folding_suffices(folded: str) -> bool:
    """Whether an ASCII-only case-insensitive match against ``folded`` text is exact."""
    return ascii_folding_hazards(folded) == ""


def unstorable_character(text: str) -> tuple[int, str] | None:
    """Where ``text`` holds a character no database stores, and what it is; None if none.

    NUL: PostgreSQL refuses it and SQLite cuts text at it. A lone surrogate cannot be
    encoded as UTF-8 at all; it reaches us from a terminal or a command line that sent a
    byte that is not UTF-8 (Python decodes such bytes to surrogates).
    """
    for index, char in enumerate(text):
        if char == "\x00":
            return index, "a NUL character (code 0)"
        if "\ud800" <= char <= "\udfff":
            return index, "a character that is not valid UTF-8 text"
    return None


URL_SCHEME_AND_HOST = "^[a-z][a-z0-9+.-]*://[^/]*"
"""The scheme and host at the start of a lowercased URL: a regular expression that Python's
``re`` and PostgreSQL's ``regexp_replace`` read alike."""
_SCHEME_AND_HOST = re.compile(URL_SCHEME_AND_HOST)


def url_path(url: str) -> str:
    """The page a URL or path names, as ``VisitedPage`` compares pages: lowercased, without
    fragment, query, scheme and host, and without trailing slashes
    (``https://www.example.com/Poster/?utm_source=mail`` → ``/poster``)."""
    text = fold_case(url).split("#", 1)[0].split("?", 1)[0]
    return _SCHEME_AND_HOST.sub("", text, count=1).rstrip("/")


def like_escape(value: str | None) -> str:
    """Null-as-empty lowercase text made literal inside a LIKE pattern with ``ESCAPE '\\'``."""
    return lower(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_blank(value: Value) -> bool:
    return value is None or value == ""


def text_form(value: Value, text: Callable[[str], str] = fold_case) -> str:
    """How a scalar reads as text in list membership tests (``EqualsAny``): lowercased
    (``text=exact``: as it is)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return text(value)
    return str(value)


def equals(a: Value, b: Value, text: Callable[[str | None], str] = lower) -> bool:
    """``==``: null equals null and the empty string; strings ignore case (``text=exact``:
    they don't)."""
    if isinstance(a, str) or isinstance(b, str):  # a number equals its text (Kentico)
        return text(_text_of(a)) == text(_text_of(b))
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _text_of(value: Value) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def compare(op: str, a: Value, b: Value, text: Callable[[str], str] = fold_case) -> bool:
    """``< <= > >=``: false when either side is null or empty; strings ignore case
    (``text=exact``: they don't)."""
    if is_blank(a) or is_blank(b):
        return False
    if isinstance(a, str) and isinstance(b, str):
        a, b = text(a), text(b)
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def truncating_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def arithmetic(op: str, a: Value, b: Value, result: Type) -> Value:
    """``+ - * / mod`` with the null, truncation and division-by-zero rules above."""
    if result is Type.STRING:
        return text_or_empty(a) + text_or_empty(b)
    if a is None or b is None:
        return None
    if result is Type.DECIMAL:
        a, b = float(a), float(b)  # type: ignore[arg-type]
    if op == "+":
        return a + b  # type: ignore[operator]
    if op == "-":
        return a - b  # type: ignore[operator]
    if op == "*":
        return a * b  # type: ignore[operator]
    if b == 0:
        return None
    if op == "/":
        return a / b if result is Type.DECIMAL else truncating_div(a, b)  # type: ignore[operator,arg-type]
    return a - truncating_div(a, b) * b  # type: ignore[operator,arg-type]


def text_or_empty(value: Value) -> str:
    """Operand of string concatenation (a string or an int): null is empty."""
    return "" if value is None else str(value)


def truth(value: Value) -> bool:
    """Two-valued booleans: only ``true`` is true; null and anything else is false."""
    return value is True
