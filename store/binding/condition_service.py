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
from functools import cache, lru_cache

import peewee as pw

from conditions import (
    CONTACT_SCHEMA,
    CheckedCondition,
    CompiledQuery,
    ConditionError,
    Dependencies,
    Explanation,
    Registry,
    Schema,
    Type,
    check,
    compile_sql,
    dependencies,
    evaluate,
    explain,
)
from conditions.rulesxml import Description, describe_parsed, describe_stored
from store.binding.condition_binding import KENTICO_MEMBERS, ContactBinding
from store.binding.condition_context import ContactContext
from store.clock import utcnow
from store.db.database import database_proxy, dialect
from store.db.models import Contact, CustomField
from store.errors import NotFound, StoreError
from store.reads.listing import iter_keyset

IN_MEMORY_PAGE = 1_000
STORE_SCHEMA = CONTACT_SCHEMA.with_contact_fields(
    {name: type_ for name, (_, type_) in KENTICO_MEMBERS.items()})


class InvalidCondition(StoreError):
    """A condition that does not parse or check; ``error`` has the line, column and caret."""

    def __init__(self, error: ConditionError) -> None:
        super().__init__(str(error))
        self.error = error


CHECK_MEMO_SIZE = 256
"""Checked conditions kept per process: every group's condition several times over (a
checked 12 kB condition with its closures is a few hundred kB at most)."""

SchemaVersion = tuple[str, ...]
"""The custom fields' names, sorted: all of the schema a check sees that can change."""


@cache
def registry() -> Registry:
    from store.binding.contact_methods import contact_registry

    return contact_registry()


def schema_version() -> SchemaVersion:
    """The custom fields defined in this database now, in one small query.

    The names themselves are the version: exact whoever changed the table (another process,
    an import, plain SQL), where a counter every writer must bump, or ``COUNT``/``MAX(id)``
    (blind to a rename, or to SQLite handing a deleted last id out again), could serve a
    stale schema. The table holds an installation's few dozen columns.
    """
    # Plain SQL: this runs for every changed contact, and peewee's query building would
    # cost several times the query.
    names = database_proxy.execute_sql(f"SELECT name FROM {CustomField._meta.table_name}")
    return tuple(sorted(name for (name,) in names))


def schema(version: SchemaVersion | None = None) -> Schema:
    """Kentico's contact members plus the custom fields defined in this database (or those
    named by ``version``, already read)."""
    return _schema_of(schema_version() if version is None else version)


@lru_cache(maxsize=8)
def _schema_of(version: SchemaVersion) -> Schema:
    custom = dict.fromkeys(version, Type.STRING)
    return STORE_SCHEMA.with_contact_fields(custom) if custom else STORE_SCHEMA


def check_condition(text: str, version: SchemaVersion | None = None) -> CheckedCondition:
    """The checked condition, or InvalidCondition saying where and why it is wrong.

    Parsed and checked once per text and schema version in this process: a save, a rebuild
    and each contact's re-evaluation ask about the same few conditions again and again.
    """
    outcome = _checked(text, schema_version() if version is None else version)
    if isinstance(outcome, ConditionError):
        raise InvalidCondition(outcome)
    return outcome


@lru_cache(maxsize=CHECK_MEMO_SIZE)
def _checked(text: str, version: SchemaVersion) -> CheckedCondition | ConditionError:
    """The memo behind :func:`check_condition`; a refusal is remembered too (a stored
    condition that no longer checks is asked about as often as a good one)."""
    try:
        return check(text, _schema_of(version), registry())
    except ConditionError as error:
        return error


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


@dataclass(frozen=True)
class SavedCondition:
    """A condition as a group stores it: checked once at the save, with what it reads and
    why it is slow, so that nothing after the save has to parse it to know either."""

    text: str
    checked: CheckedCondition
    reads: Dependencies
    slow_reason: str | None

    def description(self) -> Description:
        """:func:`description`, from the parse the check made."""
        try:
            return describe_parsed(self.checked.parsed)
        except ConditionError as error:
            raise InvalidCondition(error) from None


def prepare(text: str) -> SavedCondition:
    """:func:`check_runnable`, and what the store keeps with the condition."""
    checked, compiled = _runnable(text)
    return SavedCondition(text, checked, dependencies(checked), compiled.reason)


def check_runnable(text: str) -> CheckedCondition:
    """:func:`check_condition`, and that the database can run the compiled query.

    Valid K# can still exceed an engine's limits (SQLite's expression depth of 1,000, its
    number of parameters) and would then be saved only to fail at every rebuild. Preparing
    the query (``EXPLAIN``) finds out without running it; what saves, the K# editor's
    "Valid" and ``condition check`` all go through here.
    """
    return _runnable(text)[0]


def _runnable(text: str) -> tuple[CheckedCondition, CompiledQuery]:
    checked = check_condition(text)
    compiled = compile_condition(checked)
    if not compiled.translatable:
        return checked, compiled
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
    return checked, compiled


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
    return compile_sql(checked, binding(checked.schema), now or utcnow(), share_sets=share_sets)


def contact_matches(checked: CheckedCondition, contact: Contact, now: dt.datetime,
                    condition_schema: Schema | None = None) -> bool:
    """The in-memory verdict for one live contact (merged contacts never match)."""
    if contact.merged_into_id is not None:
        return False
    return evaluate(checked, ContactContext(contact, now, condition_schema or checked.schema))


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
    return sum(contact_matches(checked, contact, now)
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
    return explain(checked, ContactContext(contact, now or utcnow(), checked.schema))
