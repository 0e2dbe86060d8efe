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
from functools import lru_cache

from conditions import ANY, CheckedCondition, Dependencies, dependencies, evaluate
from store import audit
from store.condition_binding import MEMBER_COLUMNS
from store.condition_context import ContactContext
from store.condition_service import check_condition, schema
from store.errors import StoreError
from store.models import AuditEvent, Contact, ContactGroup, Exclusion, Membership, utcnow

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
        if should != has and _set_condition_flag(group.id, contact_id, should, actor):
            changed.append(group.code_name)
    result.changed.extend(changed)
    return changed


def _set_condition_flag(group_id: int, contact_id: int, value: bool, actor: str) -> bool:
    """Set or clear *from condition* for one contact with a handful of primary-key
    statements (the set-based grant/revoke are built for thousands of rows).

    Returns whether the flag changed (an excluded contact does not gain it).
    """
    row = Membership.get_or_none((Membership.group == group_id)
                                 & (Membership.contact == contact_id))
    if value:
        if row is not None and row.from_condition:
            return False
        if Exclusion.select().where((Exclusion.group == group_id)
                                    & (Exclusion.contact == contact_id)).exists():
            return False
        if row is None:
            Membership.insert(group=group_id, contact=contact_id, from_condition=True,
                              from_account=False, manual=False, added_at=utcnow()).execute()
            audit.adjust_member_count(group_id, +1)
        else:
            Membership.update(from_condition=True).where(Membership.id == row.id).execute()
        action = audit.ADDED
    else:
        if row is None or not row.from_condition:
            return False
        if row.from_account or row.manual:
            Membership.update(from_condition=False).where(Membership.id == row.id).execute()
        else:
            Membership.delete().where(Membership.id == row.id).execute()
            audit.adjust_member_count(group_id, -1)
        action = audit.REMOVED
    AuditEvent.insert(group_id=group_id, contact_id=contact_id, action=action,
                      source=audit.SOURCE_CONDITION, actor=actor, at=utcnow()).execute()
    return True


def _matching_groups(contact_id: int, candidates: list[tuple[ContactGroup, CheckedCondition]],
                     now: dt.datetime | None) -> set[int]:
    """Ids of the candidate groups whose condition holds for the contact (merged: none)."""
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None or contact.merged_into_id is not None:
        return set()
    context = ContactContext(contact, now or utcnow(), schema())
    return {group.id for group, checked in candidates if evaluate(checked, context)}
