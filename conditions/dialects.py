"""Each engine's SQL for compiled conditions: one object per engine, asked, never named.

The compiler and the contact methods' translators ask the dialect their binding gives
(``SqlBinding.dialect``) for whatever differs between engines — keywords, placeholders, case
folding, date arithmetic, and which of two equivalent forms the engine runs fastest —
instead of testing an engine's name. Each difference is written once per engine, here; the
store extends these classes with its own (``store.db.dialects``), so one object per engine
answers both. (The model is sqlglot's one ``Dialect`` subclass per engine.)

Every method takes the :class:`~conditions.sql.Compiler`, whose ``fmt`` and ``param`` build
the fragments: values stay bound parameters on every engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from conditions import values

if TYPE_CHECKING:
    from conditions.sql import Compiler, Fragment


class Dialect:
    """What the condition compiler needs to know of an engine."""

    name: str
    placeholder: str
    true: str
    false: str
    null_safe_equal: str
    real: str
    string_collation: str
    lower_function: str
    """A SQL function with Python's ``str.lower`` (``values.fold_case``) semantics."""
    upper_function: str
    """A SQL function with Python's ``str.upper`` semantics."""
    semi_joins: bool
    """Whether an EXISTS runs as a semi join (an anti join under NOT). Where it does not
    (SQLite joins only by nested loops) a selective set is cheaper computed once, as
    ``IN (SELECT …)``, than probed for every contact."""
    like_guards_pay: bool
    """Whether a cheap LIKE that rules most rows out pays for itself before costlier
    per-row string work (SQLite runs its string functions, and the Python ones it is
    given, row by row)."""

    def datetime_param(self, value: datetime) -> object:
        """A naive-UTC datetime as the database stores it."""
        raise NotImplementedError

    def affix(self, c: Compiler, mode: str, haystack: Fragment, needle: Fragment) -> Fragment:
        """Contains/StartsWith/EndsWith (``mode``: contains, starts, ends) of a needle that
        is not a constant, on texts already folded (or deliberately not)."""
        raise NotImplementedError

    def datetime_part(self, c: Compiler, part: str, value: Fragment) -> Fragment:
        """``.Year``, ``.Month`` … ``.DayOfWeek`` (Sunday = 0) of a datetime, as an integer."""
        raise NotImplementedError

    def day_start(self, c: Compiler, value: Fragment) -> Fragment:
        """``.Date``: midnight of the datetime's day."""
        raise NotImplementedError

    def date_as_datetime(self, c: Compiler, value: Fragment) -> Fragment:
        """A date column as a datetime at midnight, comparable with the stored datetimes."""
        raise NotImplementedError

    def whole_years(self, c: Compiler, since: Fragment, until: Fragment) -> Fragment:
        """Whole years from the date ``since`` to the datetime ``until``'s date (an age)."""
        raise NotImplementedError

    def folded(self, c: Compiler, value: Fragment, test: str, operand: Fragment,
               constants: str, *, not_null: bool = False) -> Fragment:
        """``value`` lowercased (null as empty) meets ``test`` (``LIKE {} ESCAPE …`` or
        ``IN ({})``) against ``operand``, constants already folded (``constants``: their
        text, for what they contain); the way the engine runs it fastest. A ``not_null``
        value is lowercased bare: ``lower(a.type)``, the expression PostgreSQL's index of
        activities by type holds (``store.db.schema``), where the COALESCE hid it."""
        lowered = f"{self.lower_function}({{}})"
        if not not_null:
            lowered = f"COALESCE({lowered}, '')"
        return c.fmt(f"({lowered} {test})", value, operand)


class SqliteDialect(Dialect):
    """SQLite: integers for booleans, datetimes stored as text, Python functions for what
    its own ASCII-only ``lower()`` and ``upper()`` cannot do (``register_sqlite_functions``)."""

    name = "sqlite"
    placeholder = "?"
    true = "1"
    false = "0"
    null_safe_equal = "IS"
    real = "REAL"
    string_collation = ""
    lower_function = "cg_lower"
    upper_function = "cg_upper"
    semi_joins = False
    like_guards_pay = True

    def datetime_param(self, value: datetime) -> object:
        return str(value)  # the stored format, so that text comparison orders correctly

    def affix(self, c: Compiler, mode: str, haystack: Fragment, needle: Fragment) -> Fragment:
        if mode == "contains":
            return c.fmt("(instr({}, {}) > 0)", haystack, needle)
        if mode == "starts":
            return c.fmt("(substr({}, 1, length({})) = {})", haystack, needle, needle)
        return c.fmt("(length({}) = 0 OR substr({}, -length({})) = {})",
                     needle, haystack, needle, needle)

    def datetime_part(self, c: Compiler, part: str, value: Fragment) -> Fragment:
        code = {"Year": "%Y", "Month": "%m", "Day": "%d", "Hour": "%H", "Minute": "%M",
                "DayOfWeek": "%w"}[part]
        return c.fmt("CAST(strftime({}, {}) AS INTEGER)", c.param(code), value)

    def day_start(self, c: Compiler, value: Fragment) -> Fragment:
        return c.fmt("(substr({}, 1, 10) || ' 00:00:00')", value)  # 'YYYY-MM-DD HH:MM:SS…'

    def date_as_datetime(self, c: Compiler, value: Fragment) -> Fragment:
        return c.fmt("({} || ' 00:00:00')", value)

    def whole_years(self, c: Compiler, since: Fragment, until: Fragment) -> Fragment:
        year, month_day = c.param("%Y"), c.param("%m-%d")
        return c.fmt(
            "(CAST(strftime({}, {}) AS INTEGER) - CAST(strftime({}, {}) AS INTEGER)"
            " - (strftime({}, {}) < strftime({}, {})))",
            year, until, year, since, month_day, until, month_day, since)

    def folded(self, c: Compiler, value: Fragment, test: str, operand: Fragment,
               constants: str, *, not_null: bool = False) -> Fragment:
        """Calling the Python ``cg_lower`` on every row costs several times the query.
        SQLite's LIKE and the NOCASE collation ignore ASCII case themselves, so the plain
        test is exact for ASCII values, and for any value it can only hold where the folded
        value matches too (other characters must then be equal, and folding is idempotent
        and keeps lengths). Only values that hold a character ``values.ascii_folding_hazards``
        names — or any non-ASCII one, found by their UTF-8 length differing from their
        length — also take the exact path through ``cg_lower``. CASE, not AND: inside an
        expression SQLite evaluates both operands of AND."""
        # ``not_null`` changes nothing here: the plain test already finds the index by type.
        collate = "" if test.startswith("LIKE") else "COLLATE NOCASE "
        plain = c.fmt(f"(COALESCE({{}}, '') {collate}{test})", value, operand)
        hazards = values.ascii_folding_hazards(constants)
        if hazards == "":
            return plain
        if hazards is None:
            hazardous = c.fmt("length({}) <> length(CAST({} AS BLOB))", value, value)
        else:
            hazardous = c.join(" OR ", [c.fmt("instr({}, {}) > 0", value, c.param(h))
                                        for h in hazards])
        return c.fmt(f"({{}} OR CASE WHEN {{}} THEN {self.lower_function}({{}}) {test} "
                     "ELSE 0 END)", plain, hazardous, value, operand)


class PostgresDialect(Dialect):
    """PostgreSQL: real booleans, timestamps, a locale-aware ``lower()``, and strings
    ordered by code point (``COLLATE "C"``), as Python compares them."""

    name = "postgresql"
    placeholder = "%s"
    true = "TRUE"
    false = "FALSE"
    null_safe_equal = "IS NOT DISTINCT FROM"
    real = "DOUBLE PRECISION"
    string_collation = ' COLLATE "C"'
    lower_function = "lower"
    upper_function = "upper"
    semi_joins = True
    like_guards_pay = False

    def datetime_param(self, value: datetime) -> object:
        return value

    def affix(self, c: Compiler, mode: str, haystack: Fragment, needle: Fragment) -> Fragment:
        if mode == "contains":
            return c.fmt("(strpos({}, {}) > 0)", haystack, needle)
        if mode == "starts":
            return c.fmt("(left({}, length({})) = {})", haystack, needle, needle)
        return c.fmt("(right({}, length({})) = {})", haystack, needle, needle)

    def datetime_part(self, c: Compiler, part: str, value: Fragment) -> Fragment:
        field = {"DayOfWeek": "DOW"}.get(part, part.upper())
        return c.fmt(f"CAST(EXTRACT({field} FROM {{}}) AS INTEGER)", value)

    def day_start(self, c: Compiler, value: Fragment) -> Fragment:
        return c.fmt("date_trunc('day', {})", value)

    def date_as_datetime(self, c: Compiler, value: Fragment) -> Fragment:
        return c.fmt("CAST({} AS timestamp)", value)

    def whole_years(self, c: Compiler, since: Fragment, until: Fragment) -> Fragment:
        return c.fmt("CAST(date_part('year', age(CAST({} AS date), {})) AS INTEGER)",
                     until, since)


SQLITE = SqliteDialect()
POSTGRESQL = PostgresDialect()
