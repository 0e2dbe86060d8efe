"""Generic methods and functions: in-memory evaluation and SQL translation side by side.

Each pair must agree (the differential tests check it). The SQL halves receive the compiler
(``conditions.sql.Compiler``) and typed argument nodes; they raise ``NotTranslatable`` for the
argument shapes they cannot express in SQL, which only moves the rebuild to in-memory
evaluation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conditions import values
from conditions.types import Type, Value

if TYPE_CHECKING:
    from conditions.sql import Compiler, Fragment
    from conditions.typed import Typed

# ----------------------------------------------------------------- string methods


def contains(receiver: str | None, needle: str | None) -> bool:
    return values.lower(needle) in values.lower(receiver)


def not_contains(receiver: str | None, needle: str | None) -> bool:
    return not contains(receiver, needle)


def starts_with(receiver: str | None, prefix: str | None) -> bool:
    return values.lower(receiver).startswith(values.lower(prefix))


def ends_with(receiver: str | None, suffix: str | None) -> bool:
    return values.lower(receiver).endswith(values.lower(suffix))


def _items(args: tuple[Value, ...]) -> list[Value]:
    flat: list[Value] = []
    for arg in args:
        flat.extend(arg if isinstance(arg, tuple) else [arg])
    return flat


def equals_any(receiver: Value, *items: Value) -> bool:
    """Whether the receiver equals any item; ints compare by their text (``Month`` vs ``"1"``)."""
    text = values.text_form(receiver)
    return any(values.text_form(item) == text for item in _items(items))


def split(receiver: str | None, separator: str | None) -> tuple[str, ...]:
    """Split on the whole separator; null or empty text gives an empty list."""
    if not receiver:
        return ()
    if not separator:
        return (receiver,)
    return tuple(receiver.split(separator))


def to_lower(receiver: str | None) -> str:
    return values.lower(receiver)


def to_upper(receiver: str | None) -> str:
    return "" if receiver is None else receiver.upper()


def between(receiver: Value, low: Value, high: Value) -> bool:
    if receiver is None or low is None or high is None:
        return False
    return low <= receiver <= high  # type: ignore[operator]


def _affix_sql(mode: str):
    """SQL for Contains / StartsWith / EndsWith: LIKE for constants, positions otherwise."""

    def to_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
        needle = c.constant(args[0])
        if needle is not c.NOT_CONSTANT:
            return c.folded_affix(mode, c.value(receiver), needle)  # type: ignore[arg-type]
        return c.dialect.affix(mode, c.lower_text(receiver), c.lower_text(args[0]))

    return to_sql


contains_sql = _affix_sql("contains")
starts_with_sql = _affix_sql("starts")
ends_with_sql = _affix_sql("ends")


def not_contains_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.fmt("(NOT {})", contains_sql(c, receiver, args))


def equals_any_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    items: list[Value] = []
    for arg in args:
        value = c.constant(arg)
        if value is c.NOT_CONSTANT:
            c.refuse("EqualsAny/InList with items that are not constants", arg)
        items.extend(value if isinstance(value, tuple) else [value])  # type: ignore[arg-type]
    if not items:
        return c.fmt(c.dialect.false)
    forms = sorted({values.text_form(item) for item in items})
    if receiver.type is Type.STRING or receiver.type is Type.NULL:
        return c.folded_in(c.value(receiver), forms)
    text = c.fmt("COALESCE(CAST({} AS TEXT), '')", c.value(receiver))
    return c.fmt("({} IN ({}))", text, c.join(", ", [c.param(form) for form in forms]))


def to_lower_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.lower_text(receiver)


def to_upper_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.fmt(f"COALESCE({c.binding.upper_function}({{}}), '')", c.value(receiver))


def between_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    x = c.value(receiver)
    low, high = c.value(args[0]), c.value(args[1])
    return c.fmt(f"COALESCE(({{}} >= {{}} AND {{}} <= {{}}), {c.dialect.false})", x, low, x, high)


# ----------------------------------------------------------------- conversions

_INT = re.compile(r"\s*[+-]?[0-9]+\s*")
_FLOAT = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)
_INT64 = 2**63


def to_int(value: Value, default: Value = 0) -> Value:
    """Kentico's ``ValidationHelper.GetInteger``: the default when the value does not convert."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and abs(value) < _INT64:
        return round(value)  # banker's rounding, as .NET's Convert.ToInt32
    if isinstance(value, str) and _INT.fullmatch(value):
        return int(value)
    return default


def to_double(value: Value, default: Value = 0.0) -> Value:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _FLOAT.fullmatch(value):
        return float(value)
    return default


def to_bool(value: Value, default: Value = False) -> bool:
    """Never null: a null default counts as false, like every boolean sub-result."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1"):
            return True
        if word in ("false", "0"):
            return False
    return default is True


def to_datetime(value: Value, default: Value = None) -> Value:
    """ISO 8601 or the US-culture forms Kentico stores (``9/3/2020 9:20:00 AM``), as UTC."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for pattern in _DATE_FORMATS:
                try:
                    return datetime.strptime(text, pattern)
                except ValueError:
                    continue
            return default
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed
    return default


def _conversion_sql(target: Type):
    """Conversions of non-constant values: only the shapes SQL reproduces exactly."""

    def to_sql(c: Compiler, receiver: Typed | None, args: tuple[Typed, ...]) -> Fragment:
        source = args[0].type
        default = c.value(args[1]) if len(args) > 1 else c.literal(_DEFAULTS[target])
        if source is target or (target is Type.DECIMAL and source is Type.INT):
            cast = c.value(args[0])
            if target is Type.DECIMAL:
                cast = c.fmt(f"CAST({{}} AS {c.dialect.real})", cast)
            result = c.fmt("COALESCE({}, {})", cast, default)
            if target is Type.BOOL:
                return c.fmt(f"COALESCE({{}}, {c.dialect.false})", result)
            return result
        if target is Type.BOOL and source in (Type.INT, Type.DECIMAL):
            test = c.fmt(f"COALESCE(({{}} <> 0), {{}}, {c.dialect.false})", c.value(args[0]),
                         default)
            return test
        c.refuse(f"converting {source} to {target} in SQL", args[0])
        raise AssertionError("refuse() raises")

    return to_sql


_DEFAULTS: dict[Type, Value] = {Type.INT: 0, Type.DECIMAL: 0.0, Type.BOOL: False,
                                Type.DATETIME: None}
to_int_sql = _conversion_sql(Type.INT)
to_double_sql = _conversion_sql(Type.DECIMAL)
to_bool_sql = _conversion_sql(Type.BOOL)
to_datetime_sql = _conversion_sql(Type.DATETIME)

# ----------------------------------------------------------------- datetime properties

DATETIME_PARTS = ("Year", "Month", "Day", "Hour", "Minute", "DayOfWeek")


def datetime_part(part: str):
    def evaluate(receiver: datetime | None) -> int | None:
        if receiver is None:
            return None
        if part == "DayOfWeek":
            return (receiver.weekday() + 1) % 7  # .NET: Sunday = 0
        return getattr(receiver, part.lower())

    def to_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
        return c.dialect.datetime_part(c, part, c.value(receiver))

    return evaluate, to_sql
