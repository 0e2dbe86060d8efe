"""Test-only store stand-ins: an in-memory SQLite contact database, its SQL binding, an
evaluation context over the same rows, and test implementations of two contact methods."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conditions import (
    CONTACT_SCHEMA,
    POSTGRESQL,
    SQLITE,
    Fragment,
    Type,
    default_registry,
    register_sqlite_functions,
)
from conditions.vocabulary import CONTACT_MEMBERS

NOW = datetime(2026, 3, 15, 12, 0, 0)
SCHEMA = CONTACT_SCHEMA.with_contact_fields({"IsVip": Type.BOOL, "Revenue": Type.DECIMAL})
MEMBER_COLUMNS = {
    f"Contact.{name}": name.lower() for name in [*CONTACT_MEMBERS, "IsVip", "Revenue"]
}


@dataclass
class Activity:
    contact_id: int
    type: str
    time: datetime
    item: str = ""


@dataclass
class Contact:
    id: int
    fields: dict[str, object] = field(default_factory=dict)
    merged_into: int | None = None


class Context:
    """EvaluationContext over one Contact and the activity list."""

    def __init__(self, contact: Contact, activities: list[Activity], now: datetime = NOW):
        self.contact = contact
        self.activities = [a for a in activities if a.contact_id == contact.id]
        self._now = now

    @property
    def now(self) -> datetime:
        return self._now

    def member(self, name: str) -> object:
        if name == "Contact.ContactID":
            return self.contact.id
        return self.contact.fields.get(name)


def _types(value: str | None) -> list[str]:
    return [t.strip().lower() for t in (value or "").split(";") if t.strip()]


def did_activity_eval(ctx: Context, types: str | None, cancel: str | None, days: int) -> bool:
    wanted, cancels = _types(types), _types(cancel)
    since = ctx.now - timedelta(days=days) if days > 0 else None
    for act in ctx.activities:
        if wanted and act.type not in wanted:
            continue
        if since is not None and act.time < since:
            continue
        cancelled = any(
            other.type in cancels and other.item == act.item and other.time > act.time
            for other in ctx.activities
        )
        if not cancelled:
            return True
    return False


def did_activity_sql(c, types: str | None, cancel: str | None, days: int) -> Fragment:
    wanted, cancels = _types(types), _types(cancel)
    sql = f"EXISTS (SELECT 1 FROM activity a WHERE a.contact_id = {c.contact_alias}.id"
    parts: list[Fragment] = []
    if wanted:
        sql += " AND a.type IN ({})"
        parts.append(c.join(", ", [c.param(t) for t in wanted]))
    if days > 0:
        sql += " AND a.time >= {}"
        parts.append(c.param(c.now - timedelta(days=days)))
    if cancels:
        sql += (" AND NOT EXISTS (SELECT 1 FROM activity x WHERE x.contact_id = a.contact_id"
                " AND x.item = a.item AND x.type IN ({}) AND x.time > a.time)")
        parts.append(c.join(", ", [c.param(t) for t in cancels]))
    return c.fmt(sql + ")", *parts)


def logged_in_eval(ctx: Context, days: int) -> bool:
    return did_activity_eval(ctx, "userlogin", None, days)


def registry(with_sql: bool = True):
    reg = default_registry().implement(
        "DidActivity", evaluate=did_activity_eval, to_sql=did_activity_sql if with_sql else None
    )
    return reg.implement("LoggedIn", evaluate=logged_in_eval)  # no SQL: not translatable


class Binding:
    """SqlBinding over the test tables."""

    dialect = SQLITE
    contact_table = "contact"
    contact_alias = "c"
    contact_id = "id"
    live_predicate = "c.merged_into IS NULL"

    def member_sql(self, name: str, compiler) -> Fragment:
        return Fragment(f"c.{MEMBER_COLUMNS[name]}")


class PostgresBinding(Binding):
    dialect = POSTGRESQL


def _stored(value: object) -> object:
    return str(value) if isinstance(value, datetime) else value


def make_database(
    contacts: Iterable[Contact], activities: Iterable[Activity]
) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    register_sqlite_functions(db)
    columns = ", ".join(f"{col}" for name, col in MEMBER_COLUMNS.items()
                        if name != "Contact.ContactID")
    db.execute(f"CREATE TABLE contact (id INTEGER PRIMARY KEY, merged_into INTEGER, {columns})")
    db.execute("CREATE TABLE activity (contact_id INTEGER, type TEXT, time TEXT, item TEXT)")
    for contact in contacts:
        names = [n for n in MEMBER_COLUMNS if n in contact.fields]
        cols = ", ".join(["id", "merged_into", *(MEMBER_COLUMNS[n] for n in names)])
        marks = ", ".join("?" * (len(names) + 2))
        db.execute(f"INSERT INTO contact ({cols}) VALUES ({marks})",
                   [contact.id, contact.merged_into, *(_stored(contact.fields[n]) for n in names)])
    db.executemany("INSERT INTO activity VALUES (?, ?, ?, ?)",
                   [(a.contact_id, a.type, str(a.time), a.item) for a in activities])
    return db


def sql_ids(db: sqlite3.Connection, compiled) -> set[int]:
    assert compiled.translatable, compiled.reason
    return {row[0] for row in db.execute(compiled.sql, compiled.params)}


def memory_ids(checked, contacts: list[Contact], activities: list[Activity],
               now: datetime = NOW) -> set[int]:
    from conditions import evaluate

    return {c.id for c in contacts
            if c.merged_into is None and evaluate(checked, Context(c, activities, now))}
