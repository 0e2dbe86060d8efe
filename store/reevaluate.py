"""Incremental re-evaluation (SPEC §6): one changed contact against the groups it can affect.

The store's services call :func:`reevaluate_contact` inside their own transaction with what
changed (fields, activity types, forms, accounts, or everything for a new or merged contact).
Only condition-based groups whose dependencies meet the change are evaluated, all in one
query that asks each group's compiled condition about this contact alone; only groups whose
verdict differs from the stored *from condition* flag are written. When a membership changes,
the groups that read that group (``IsInContactGroup``) are evaluated next, in turn.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

from conditions import ANY, CheckedCondition, CompiledQuery, Dependencies, dependencies
from store import audit
from store.condition_binding import MEMBER_COLUMNS
from store.condition_service import check_condition, compile_condition
from store.contact_sets import id_list
from store.database import database_proxy
from store.errors import StoreError
from store.membership import grant, revoke
from store.models import Contact, ContactGroup, Membership, utcnow

COMPILED_FRESH_FOR = 1.0  # seconds a compiled query (and its "now") is reused

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
            names.add("ContactAge")
        if columns & {"country_code", "country_name"}:
            names |= {"ContactCountryCode", "ContactCountryName"}
        return cls(fields=frozenset(names))


@dataclass
class Reevaluation:
    """Which groups were asked about the contact, and which changed."""

    evaluated: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1024)
def _checked(condition: str) -> tuple[CheckedCondition, Dependencies] | None:
    try:
        checked = check_condition(condition)
    except StoreError:
        return None  # an invalid stored condition: its rebuild reports it
    return checked, dependencies(checked)


_compiled_cache: dict[tuple[str, str], tuple[float, CompiledQuery]] = {}
_compiled_lock = threading.Lock()


def _compiled(condition: str, checked: CheckedCondition, now: dt.datetime | None
              ) -> CompiledQuery:
    """The compiled query; reused for a second so a hundred groups need no recompiling."""
    if now is not None:
        return compile_condition(checked, now)
    key = (condition, type(database_proxy.obj).__name__)
    with _compiled_lock:
        cached = _compiled_cache.get(key)
        if cached and time.monotonic() - cached[0] < COMPILED_FRESH_FOR:
            return cached[1]
    compiled = compile_condition(checked, utcnow())
    with _compiled_lock:
        _compiled_cache[key] = (time.monotonic(), compiled)
    return compiled


def _affected(deps: Dependencies, change: Change, changed_groups: set[str]) -> bool:
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
    groups = list(ContactGroup.select(ContactGroup.id, ContactGroup.code_name,
                                      ContactGroup.condition)
                  .where(ContactGroup.condition.is_null(False)))
    pending, changed_groups = change, set()
    done: set[int] = set()
    while True:
        candidates = []
        for group in groups:
            parsed = _checked(group.condition) if group.id not in done else None
            if parsed and _affected(parsed[1], pending, changed_groups):
                candidates.append((group, parsed[0]))
        if not candidates:
            return result
        done |= {group.id for group, _ in candidates}
        newly_changed = _apply_verdicts(contact_id, candidates, actor, now, result)
        if not newly_changed:
            return result
        pending, changed_groups = Change(), {code.lower() for code in newly_changed}


def _apply_verdicts(contact_id: int, candidates: list[tuple[ContactGroup, CheckedCondition]],
                    actor: str, now: dt.datetime | None, result: Reevaluation) -> list[str]:
    matching = _matching_groups(contact_id, candidates, now)
    flagged = {row.group_id for row in Membership.select(Membership.group).where(
        (Membership.contact == contact_id) & (Membership.from_condition == True)  # noqa: E712
        & Membership.group.in_([group.id for group, _ in candidates]))}
    changed = []
    for group, _ in candidates:
        result.evaluated.append(group.code_name)
        should, has = group.id in matching, group.id in flagged
        if should == has:
            continue
        contact = id_list([contact_id])
        if should:
            moved = grant(group.id, contact, Membership.from_condition, audit.SOURCE_CONDITION,
                          actor)
        else:
            moved = revoke(group.id, Membership.contact.in_(contact),
                           Membership.from_condition, audit.SOURCE_CONDITION, actor)
        if moved:
            audit.refresh_member_count(group.id)
            changed.append(group.code_name)
    result.changed.extend(changed)
    return changed


def _matching_groups(contact_id: int, candidates: list[tuple[ContactGroup, CheckedCondition]],
                     now: dt.datetime | None) -> set[int]:
    """Ids of the candidate groups whose condition holds for the contact: one query."""
    param = database_proxy.param
    parts, params = [], []
    memory_verdicts = set()
    for group, checked in candidates:
        compiled = _compiled(group.condition, checked, now)
        if not compiled.translatable:
            if _memory_verdict(checked, contact_id, now):
                memory_verdicts.add(group.id)
            continue
        parts.append(f"SELECT {param} FROM ({compiled.sql}) AS m WHERE m.id = {param}")
        params.extend([group.id, *compiled.params, contact_id])
    if not parts:
        return memory_verdicts
    rows = database_proxy.execute_sql(" UNION ALL ".join(parts), params).fetchall()
    return {int(row[0]) for row in rows} | memory_verdicts


def _memory_verdict(checked: CheckedCondition, contact_id: int, now: dt.datetime | None
                    ) -> bool:
    from store.condition_service import contact_matches

    contact = Contact.get_or_none(Contact.id == contact_id)
    return contact is not None and contact_matches(checked, contact, now or utcnow())
