"""Re-evaluation of many changed contacts at once (an import, other systems' writes).

:mod:`store.engine.reevaluate` asks each condition about one contact in memory; for thousands of
contacts that would be thousands of evaluations per group. Here each affected group runs its
compiled condition once, narrowed to the changed contacts (a table of their ids), and the
difference is written with the membership primitives, as a rebuild would but over the
changed contacts only. Groups are taken dependencies first, and a group that reads another
(``IsInContactGroup``) is evaluated when that one changed. A condition without an SQL
translation cannot be narrowed this way: its group is marked for a rebuild instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from store import audit
from store.binding.condition_reads import decode
from store.binding.condition_service import SchemaVersion, compile_condition, schema_version
from store.db.concurrency import begin_contact_change
from store.db.models import ContactGroup, Membership
from store.engine.group_graph import rebuild_order
from store.engine.reevaluate import Change, affected, checked_or_none
from store.membership import grant, revoke
from store.rows import STATUS_REBUILD_REQUIRED


@dataclass
class BulkReevaluation:
    """Which groups were evaluated, which changed (code → added, removed), which need a
    rebuild because their condition is evaluated contact by contact."""

    evaluated: list[str] = field(default_factory=list)
    changed: dict[str, tuple[int, int]] = field(default_factory=dict)
    needs_rebuild: list[str] = field(default_factory=list)


def reevaluate_contacts(changed_ids: str, change: Change, actor: str) -> BulkReevaluation:
    """Bring *from condition* up to date for the contacts whose ids ``changed_ids`` (an SQL
    query of one column, no parameters) selects, after ``change``. Runs in the caller's
    transaction."""
    begin_contact_change()  # the caller's already did: taking it again does not wait
    result = BulkReevaluation()
    changed_groups: set[str] = set()
    condition_groups = [g for g in ContactGroup.select() if g.is_condition_based]
    version: SchemaVersion | None = None  # read once, and only if a group is affected
    for group in rebuild_order(condition_groups):
        if not affected(decode(group.condition_reads), change, changed_groups):
            continue
        version = schema_version() if version is None else version
        checked = checked_or_none(group.condition, version)
        if checked is None:
            continue
        compiled = compile_condition(checked)
        if not compiled.translatable:
            ContactGroup.update(status=STATUS_REBUILD_REQUIRED).where(
                ContactGroup.id == group.id).execute()
            result.needs_rebuild.append(group.code_name)
            continue
        result.evaluated.append(group.code_name)
        matching = pw.SQL("(" + compiled.select(
            f"{compiled.id_column}", f"{compiled.id_column} IN ({changed_ids})") + ")",
            compiled.params)
        added = _grant(group.id, matching, actor)
        removed = _revoke(group.id, changed_ids, matching, actor)
        if added or removed:
            audit.refresh_member_count(group.id)
            result.changed[group.code_name] = (added, removed)
            changed_groups.add(group.code_name.lower())
    return result


def _grant(group_id: int, matching: pw.Node, actor: str) -> int:
    return grant(group_id, matching, Membership.from_condition, audit.SOURCE_CONDITION, actor)


def _revoke(group_id: int, changed_ids: str, matching: pw.Node, actor: str) -> int:
    leaving = (Membership.contact.in_(pw.SQL(f"({changed_ids})"))
               & Membership.contact.not_in(matching))
    return revoke(group_id, leaving, Membership.from_condition, audit.SOURCE_CONDITION, actor)
