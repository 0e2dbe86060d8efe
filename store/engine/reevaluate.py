"""Incremental re-evaluation (SPEC §6): one changed contact against the groups it can affect.

The store's services call :func:`reevaluate_contact` inside their own transaction with what
changed (fields, activity types, forms, accounts, or everything for a new or merged contact).
Only condition-based groups whose dependencies meet the change are evaluated. For one contact
the in-memory evaluator is the fast path: the contact's rows are read once (lazily) and shared
by every group, and the differential tests hold it to the same verdicts as the compiled SQL.
Only groups whose verdict differs from the stored *from condition* flag are written, and
their counts move by the one row that changed. When a membership changes, the groups that
read that group (``IsInContactGroup``) are evaluated next, in turn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from conditions import ANY, CheckedCondition, Dependencies, evaluate_many
from store import audit
from store.binding.condition_binding import MEMBER_COLUMNS
from store.binding.condition_context import ContactContext
from store.binding.condition_reads import decode
from store.binding.condition_service import SchemaVersion, check_condition, schema_version
from store.clock import utcnow
from store.db.concurrency import begin_contact_change
from store.db.database import database_proxy, insert_values, placeholders
from store.db.models import Contact, Membership
from store.errors import StoreError

FIELD_MEMBERS = {column: name.split(".", 1)[1] for name, column in MEMBER_COLUMNS.items()}
FIELD_MEMBERS["birthday"] = "ContactBirthday"


@dataclass(frozen=True)
class Change:
    """What happened to a contact, in the vocabulary of condition dependencies."""

    fields: frozenset[str] = frozenset()  # Kentico member names, e.g. ContactCity
    activity_types: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()
    accounts: bool = False
    everything: bool = False  # a new or merged contact: every condition may answer anew

    @classmethod
    def of_columns(cls, columns: set[str]) -> Change:
        """The change for edited contact columns (``city`` → ``ContactCity``)."""
        names = {FIELD_MEMBERS[c] for c in columns if c in FIELD_MEMBERS}
        if "birthday" in columns:
            names |= {"ContactAge", "ContactAgeOfBirthday"}
        if columns & {"country_code", "country_name"}:
            names |= {"ContactCountryCode", "ContactCountryName"}
        return cls(fields=frozenset(names))


@dataclass
class Reevaluation:
    """Which groups were asked about the contact, and which changed."""

    evaluated: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def checked_or_none(condition: str, version: SchemaVersion) -> CheckedCondition | None:
    """The stored condition checked (memoised), or None if it no longer checks."""
    try:
        return check_condition(condition, version)
    except StoreError:
        return None  # an invalid stored condition: its rebuild reports it


def affected(deps: Dependencies, change: Change, changed_groups: set[str]) -> bool:
    if change.everything:
        return True
    fields = {f.lower() for f in deps.fields}
    return bool(
        ANY in fields or fields & {f.lower() for f in change.fields}
        or (change.activity_types and (ANY in deps.activity_types
                                       or deps.activity_types & change.activity_types))
        or (change.forms and (ANY in deps.forms or deps.forms & change.forms))
        or (change.accounts and deps.accounts)
        or (changed_groups and (ANY in deps.groups or deps.groups & changed_groups)))


def reevaluate_contact(contact_id: int, change: Change, actor: str,
                       now: dt.datetime | None = None) -> Reevaluation:
    """Bring the contact's *from condition* memberships up to date after ``change``.

    Runs in the caller's transaction. Merged (child) contacts are members of nothing.
    """
    result = Reevaluation()
    begin_contact_change()  # the caller's already did: taking it again does not wait
    groups = _condition_groups()
    pending, changed_groups = change, set()
    done: set[int] = set()
    version: SchemaVersion | None = None  # read once, and only if a group is affected
    while True:
        touched = [group for group in groups
                   if group.id not in done and affected(group.reads, pending, changed_groups)]
        if touched and version is None:
            version = schema_version()
        done |= {group.id for group in touched}
        candidates = [(group, checked) for group in touched
                      if (checked := checked_or_none(group.condition, version)) is not None]
        if not candidates:
            return result
        newly_changed = _apply_verdicts(contact_id, candidates, actor, now, result)
        if not newly_changed:
            return result
        pending, changed_groups = Change(), {code.lower() for code in newly_changed}


class _Group(NamedTuple):
    id: int
    code_name: str
    condition: str
    reads: Dependencies


class _Row(NamedTuple):
    """The contact's membership row in one group."""

    id: int
    from_condition: bool
    kept: bool  # also there manually or through an account: clearing the flag keeps the row


def _condition_groups() -> list[_Group]:
    """Every condition-based group: plain tuples, read on every call (a group may have been
    created or changed a moment ago), without building a hundred model instances."""
    cursor = database_proxy.execute_sql("SELECT id, code_name, condition, condition_reads "
                                        "FROM contact_group WHERE condition IS NOT NULL")
    return [_Group(group_id, code, condition, decode(reads))
            for group_id, code, condition, reads in cursor]


def _apply_verdicts(contact_id: int, candidates: list[tuple[_Group, CheckedCondition]],
                    actor: str, now: dt.datetime | None, result: Reevaluation) -> list[str]:
    """Evaluate the candidates and write the difference with a few statements for all of
    them: one contact changing in many groups must stay a handful of round trips."""
    matching = _matching_groups(contact_id, candidates, now)
    ids = [group.id for group, _ in candidates]
    rows = _memberships(contact_id, ids)
    gaining = [g for g in ids if g in matching and not (g in rows and rows[g].from_condition)]
    excluded = _excluded(contact_id, gaining)
    gaining = [g for g in gaining if g not in excluded]
    losing = [g for g in ids if g not in matching and g in rows and rows[g].from_condition]
    if gaining or losing:
        _write(contact_id, gaining, losing, rows, actor)
    codes = {group.id: group.code_name for group, _ in candidates}
    moved = set(gaining) | set(losing)
    changed = [codes[g] for g in ids if g in moved]
    result.evaluated.extend(codes[g] for g in ids)
    result.changed.extend(changed)
    return changed


def _memberships(contact_id: int, group_ids: list[int]) -> dict[int, _Row]:
    cursor = database_proxy.execute_sql(
        "SELECT group_id, id, from_condition, from_account, manual FROM membership WHERE "
        f"contact_id = {database_proxy.param} AND group_id IN ({placeholders(len(group_ids))})",
        (contact_id, *group_ids))
    return {group: _Row(row, bool(condition), bool(account or manual))
            for group, row, condition, account, manual in cursor}


def _excluded(contact_id: int, group_ids: list[int]) -> set[int]:
    if not group_ids:
        return set()
    cursor = database_proxy.execute_sql(
        f"SELECT group_id FROM exclusion WHERE contact_id = {database_proxy.param} "
        f"AND group_id IN ({placeholders(len(group_ids))})", (contact_id, *group_ids))
    return {group for (group,) in cursor}


def _write(contact_id: int, gaining: list[int], losing: list[int], rows: dict[int, _Row],
           actor: str) -> None:
    """Set *from condition* for ``gaining``, clear it for ``losing``, with audit and counts."""
    at = Membership.added_at.db_value(utcnow())
    inserted = [g for g in gaining if g not in rows]
    deleted = [rows[g].id for g in losing if not rows[g].kept]
    if inserted:
        insert_values("membership (group_id, contact_id, from_condition, from_account, manual, "
                      "added_at)", [(g, contact_id, True, False, False, at) for g in inserted])
    _update_flag(True, [rows[g].id for g in gaining if g in rows])
    _update_flag(False, [rows[g].id for g in losing if rows[g].kept])
    if deleted:
        database_proxy.execute_sql(
            f"DELETE FROM membership WHERE id IN ({placeholders(len(deleted))})", deleted)
    audit.adjust_member_counts({**{g: +1 for g in inserted},
                                **{g: -1 for g in losing if not rows[g].kept}})
    audit.record_one_contact(contact_id, [(g, audit.ADDED) for g in gaining]
                             + [(g, audit.REMOVED) for g in losing],
                             audit.SOURCE_CONDITION, actor)


def _update_flag(value: bool, row_ids: list[int]) -> None:
    if row_ids:
        database_proxy.execute_sql(
            f"UPDATE membership SET from_condition = {database_proxy.param} "
            f"WHERE id IN ({placeholders(len(row_ids))})", (value, *row_ids))


def _matching_groups(contact_id: int, candidates: list[tuple[_Group, CheckedCondition]],
                     now: dt.datetime | None) -> set[int]:
    """Ids of the candidate groups whose condition holds for the contact (merged: none)."""
    # Written out: building the same SELECT through peewee cost more than running it.
    contact = next(iter(Contact.raw(
        f"SELECT * FROM contact WHERE id = {database_proxy.param}", contact_id)), None)
    if contact is None or contact.merged_into_id is not None:
        return set()
    context = ContactContext(contact, now or utcnow(), candidates[0][1].schema)
    verdicts = evaluate_many([checked for _, checked in candidates], context)
    return {group.id for (group, _), verdict in zip(candidates, verdicts, strict=True) if verdict}
