"""Generic methods and functions: in-memory evaluation and SQL translation side by side.

Each pair must agree (the differential tests check it). The SQL halves receive the compiler
(``conditions.sql.Compiler``) and typed argument nodes; they raise ``NotTranslatable`` for the
argument shapes they cannot express in SQL, which only moves the rebuild to in-memory
evaluation.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
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


def contains_exact(receiver: str | None, needle: str | None) -> bool:
    return values.exact(needle) in values.exact(receiver)


def not_contains_exact(receiver: str | None, needle: str | None) -> bool:
    return not contains_exact(receiver, needle)


def starts_with_exact(receiver: str | None, prefix: str | None) -> bool:
    return values.exact(receiver).startswith(values.exact(prefix))


def ends_with_exact(receiver: str | None, suffix: str | None) -> bool:
    return values.exact(receiver).endswith(values.exact(suffix))


def _items(args: tuple[Value, ...]) -> list[Value]:
    flat: list[Value] = []
    for arg in args:
        flat.extend(arg if isinstance(arg, tuple) else [arg])
    return flat


def equals_any(receiver: Value, *items: Value) -> bool:
    """Whether the receiver equals any item; ints compare by their text (``Month`` vs ``"1"``)."""
    text = values.text_form(receiver)
    return any(values.text_form(item) == text for item in _items(items))


def equals_any_exact(receiver: Value, *items: Value) -> bool:
    """``equals_any`` taking case into account."""
    text = values.text_form(receiver, values.exact)
    return any(values.text_form(item, values.exact) == text for item in _items(items))


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
        return c.dialect.affix(c, mode, c.lower_text(receiver), c.lower_text(args[0]))

    return to_sql


contains_sql = _affix_sql("contains")
starts_with_sql = _affix_sql("starts")
ends_with_sql = _affix_sql("ends")


def not_contains_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.fmt("(NOT {})", contains_sql(c, receiver, args))


def _affix_exact_sql(mode: str):
    """Case-sensitive Contains / StartsWith / EndsWith: positions on the texts as they are
    (LIKE would ignore ASCII case on SQLite)."""

    def to_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
        return c.dialect.affix(c, mode, c.exact_text(receiver), c.exact_text(args[0]))

    return to_sql


contains_exact_sql = _affix_exact_sql("contains")
starts_with_exact_sql = _affix_exact_sql("starts")
ends_with_exact_sql = _affix_exact_sql("ends")


def not_contains_exact_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.fmt("(NOT {})", contains_exact_sql(c, receiver, args))


def equals_any_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...],
                   exact: bool = False) -> Fragment:
    items: list[Value] = []
    for arg in args:
        value = c.constant(arg)
        if value is c.NOT_CONSTANT:
            c.refuse("EqualsAny/InList with items that are not constants", arg)
        items.extend(value if isinstance(value, tuple) else [value])  # type: ignore[arg-type]
    if not items:
        return c.fmt(c.dialect.false)
    forms = sorted({values.text_form(item, values.exact if exact else values.fold_case)
                    for item in items})
    if exact and receiver.type is not Type.INT:
        return c.fmt("({} IN ({}))", c.exact_text(receiver),
                     c.join(", ", [c.param(form) for form in forms]))
    if receiver.type is Type.STRING or receiver.type is Type.NULL:
        return c.folded_in(c.value(receiver), forms)
    text = c.fmt("COALESCE(CAST({} AS TEXT), '')", c.value(receiver))
    return c.fmt("({} IN ({}))", text, c.join(", ", [c.param(form) for form in forms]))


def equals_any_exact_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return equals_any_sql(c, receiver, args, exact=True)


def to_lower_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.lower_text(receiver)


def to_upper_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.fmt(f"COALESCE({c.dialect.upper_function}({{}}), '')", c.value(receiver))


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

def is_null_or_empty(value: Value) -> bool:
    return value is None or value == "" or value == ()


def is_null_or_empty_sql(c: Compiler, receiver: Typed | None, args: tuple[Typed, ...]
                         ) -> Fragment:
    value = c.value(args[0])
    if args[0].type is Type.STRING:
        return c.fmt("({} IS NULL OR {} = '')", value, value)
    if args[0].type is Type.STRING_LIST:
        c.refuse("IsNullOrEmpty of a list", args[0])
    return c.fmt("({} IS NULL)", value)


# ----------------------------------------------------------------- datetime arithmetic


def _shifted(receiver: datetime | None, shift: Callable[[datetime], datetime]
             ) -> datetime | None:
    """``shift(receiver)``; null for null, and beyond the calendar (.NET throws: the
    condition fails, "not a member")."""
    if receiver is None:
        return None
    try:
        return shift(receiver)
    except (OverflowError, ValueError):
        return None


def add_days(receiver: datetime | None, days: Value) -> datetime | None:
    return _shifted(receiver, lambda d: d + timedelta(days=float(days or 0)))


def add_hours(receiver: datetime | None, hours: Value) -> datetime | None:
    return _shifted(receiver, lambda d: d + timedelta(hours=float(hours or 0)))


def add_months(receiver: datetime | None, months: Value) -> datetime | None:
    """.NET's AddMonths: the same day of the month, or the month's last day if it is shorter."""
    def shift(d: datetime) -> datetime:
        index = d.year * 12 + d.month - 1 + int(months or 0)
        year, month = divmod(index, 12)
        return d.replace(year=year, month=month + 1,
                         day=min(d.day, calendar.monthrange(year, month + 1)[1]))
    return _shifted(receiver, shift)


def add_years(receiver: datetime | None, years: Value) -> datetime | None:
    return add_months(receiver, int(years or 0) * 12)


def date_part(receiver: datetime | None) -> datetime | None:
    """``.Date``: midnight of the day."""
    return None if receiver is None else datetime.combine(receiver.date(), time())


def date_part_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    return c.dialect.day_start(c, c.value(receiver))


def shift_sql(c: Compiler, receiver: Typed, args: tuple[Typed, ...]) -> Fragment:
    """Shifting a contact's own date has no SQL form here (folded when constant)."""
    c.refuse("date arithmetic on a contact's date", receiver)
    raise AssertionError("refuse() raises")


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
