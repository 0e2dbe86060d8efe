"""The condition language applied to the contact database: check, describe, count, explain.

This is where the store meets ``conditions``: the schema (Kentico's members plus this
installation's custom fields), the registry with the store's contact methods, and the binding
for the engine in use. A condition is checked before anything is saved; an invalid one is
refused with the parser's position and caret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

import peewee as pw

from conditions import (
    CONTACT_SCHEMA,
    CheckedCondition,
    CompiledQuery,
    ConditionError,
    Explanation,
    Registry,
    Schema,
    Type,
    check,
    compile_sql,
    evaluate,
    explain,
)
from conditions.rulesxml import Description, describe_stored
from store.condition_binding import KENTICO_MEMBERS, ContactBinding
from store.condition_context import ContactContext
from store.database import database_proxy, dialect
from store.errors import NotFound, StoreError
from store.listing import iter_keyset
from store.models import Contact, CustomField, utcnow

IN_MEMORY_PAGE = 1_000
STORE_SCHEMA = CONTACT_SCHEMA.with_contact_fields(
    {name: type_ for name, (_, type_) in KENTICO_MEMBERS.items()})


class InvalidCondition(StoreError):
    """A condition that does not parse or check; ``error`` has the line, column and caret."""

    def __init__(self, error: ConditionError) -> None:
        super().__init__(str(error))
        self.error = error


@cache
def registry() -> Registry:
    from store.contact_methods import contact_registry

    return contact_registry()


def schema() -> Schema:
    """Kentico's contact members plus the custom fields defined in this database."""
    # Plain SQL: this runs for every changed contact, and peewee's query building would
    # cost several times the query.
    names = database_proxy.execute_sql(f"SELECT name FROM {CustomField._meta.table_name}")
    custom = {name: Type.STRING for (name,) in names}
    return STORE_SCHEMA.with_contact_fields(custom) if custom else STORE_SCHEMA


def check_condition(text: str) -> CheckedCondition:
    """The checked condition, or InvalidCondition saying where and why it is wrong."""
    try:
        return check(text, schema(), registry())
    except ConditionError as error:
        raise InvalidCondition(error) from None


def describe(text: str) -> str:
    """The display form: the rule designer's sentences, or the K# as written."""
    return description(text).text


def description(text: str) -> Description:
    """The display form and its warnings (a rule not in the catalogue, rules' text that
    disagrees with the K#)."""
    try:
        return describe_stored(text)
    except ConditionError as error:
        raise InvalidCondition(error) from None


def binding(checked_schema: Schema | None = None) -> ContactBinding:
    return ContactBinding.for_database(database_proxy.obj, checked_schema or schema())


def check_runnable(text: str) -> CheckedCondition:
    """:func:`check_condition`, and that the database can run the compiled query.

    Valid K# can still exceed an engine's limits (SQLite's expression depth of 1,000, its
    number of parameters) and would then be saved only to fail at every rebuild. Preparing
    the query (``EXPLAIN``) finds out without running it; what saves, the K# editor's
    "Valid" and ``condition check`` all go through here.
    """
    checked = check_condition(text)
    compiled = compile_condition(checked)
    if not compiled.translatable:
        return checked
    # PostgreSQL aborts the transaction a failed statement ran in: a savepoint contains it.
    guard = database_proxy.atomic() if dialect().failed_statement_aborts else nullcontext()
    try:
        with guard:
            database_proxy.execute_sql(f"EXPLAIN {compiled.select('COUNT(*)')}",
                                       compiled.params)
    except pw.DatabaseError as error:
        raise InvalidCondition(ConditionError.at_offset(
            f"the condition is too large for the database to run: {_limit_named(error)}",
            text, 0)) from None
    return checked


def _limit_named(error: Exception) -> str:
    """The engine's refusal in words, naming the limit where the engine does not."""
    reason = str(error).strip().splitlines()[0]
    if "parser stack overflow" in reason:
        return "its brackets nest deeper than SQLite's parser allows (about 100 levels)"
    if "too many SQL variables" in reason:
        return "it holds more values than SQLite's limit on parameters in one query"
    return reason


def compile_condition(checked: CheckedCondition, now: dt.datetime | None = None, *,
                      share_sets: bool = False) -> CompiledQuery:
    """One set-based query for the live contacts matching at ``now`` (or why there is none);
    ``share_sets``: for a caller that runs it over many id ranges (see ``SharedSet``)."""
    return compile_sql(checked, binding(), now or utcnow(), share_sets=share_sets)


def slow_reason(condition: str | None) -> str | None:
    """Why a (valid) condition would be evaluated contact by contact; None when it compiles."""
    if not condition:
        return None
    return compile_condition(check_condition(condition)).reason


def contact_matches(checked: CheckedCondition, contact: Contact, now: dt.datetime,
                    condition_schema: Schema | None = None) -> bool:
    """The in-memory verdict for one live contact (merged contacts never match)."""
    if contact.merged_into_id is not None:
        return False
    return evaluate(checked, ContactContext(contact, now, condition_schema or schema()))


def iter_live_contacts() -> Iterator[Contact]:
    """Live contacts in id order, a page at a time (the in-memory slow path)."""
    def fetch_after(after: int) -> list[Contact]:
        return list(Contact.select().where(Contact.merged_into.is_null() & (Contact.id > after))
                    .order_by(Contact.id).limit(IN_MEMORY_PAGE))

    return iter_keyset(fetch_after, lambda contact: contact.id, IN_MEMORY_PAGE)


@dataclass(frozen=True)
class ConditionReport:
    """What ``condition check`` prints."""

    display: str
    warnings: tuple[str, ...]
    translatable: bool
    reason: str | None
    sql: str | None
    params: tuple
    count: int | None


def count_matching(checked: CheckedCondition, now: dt.datetime | None = None) -> int:
    """How many live contacts match: one COUNT over the compiled query, or the slow path."""
    now = now or utcnow()
    compiled = compile_condition(checked, now)
    if compiled.translatable:
        query = compiled.select("COUNT(*)")
        return int(database_proxy.execute_sql(query, compiled.params).fetchone()[0])
    current = schema()
    return sum(contact_matches(checked, contact, now, current)
               for contact in iter_live_contacts())


def report(text: str, *, count: bool = False, now: dt.datetime | None = None
           ) -> ConditionReport:
    checked = check_runnable(text)
    compiled = compile_condition(checked, now)
    shown = description(text)
    return ConditionReport(
        display=shown.text, warnings=shown.warnings, translatable=compiled.translatable,
        reason=compiled.reason,
        sql=compiled.sql, params=compiled.params,
        count=count_matching(checked, now) if count else None)


def explain_contact(text: str, contact_id: int, now: dt.datetime | None = None
                    ) -> Explanation:
    """Why one contact is in or out: every sub-expression with its value."""
    checked = check_condition(text)
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    if contact.merged_into_id is not None:
        raise StoreError(f"contact {contact_id} was merged into contact "
                         f"{contact.merged_into_id}; merged contacts never match")
    return explain(checked, ContactContext(contact, now or utcnow(), schema()))
