"""Groups that read other groups (``IsInContactGroup``): rebuild order and cycle refusal.

A group depends on the groups its condition names. ``rebuild --all`` rebuilds dependencies
first so each group reads fresh membership, and a condition that would make a group depend on
itself, directly or through others, is refused when saved, naming the cycle.
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from conditions.reads import ANY
from store.binding.condition_reads import decode
from store.db.models import ContactGroup, GroupLike
from store.errors import StoreError
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED


def _graph(override: tuple[str, frozenset[str]] | None = None) -> dict[str, set[str]]:
    """code name (lowercased) → the known groups it reads, from the reads stored with each
    condition (no condition is parsed for this)."""
    rows = {code.lower(): decode(reads).groups for code, reads in
            ContactGroup.select(ContactGroup.code_name, ContactGroup.condition_reads).tuples()}
    if override is not None:
        rows[override[0].lower()] = override[1]
    names = set(rows)
    graph = {}
    for name, reads in rows.items():
        graph[name] = (names - {name}) if ANY in reads else (set(reads) & names)
    return graph


def check_no_cycle(code_name: str, reads: frozenset[str]) -> None:
    """Refuse a condition for ``code_name`` reading the groups ``reads`` (lowercased code
    names, ``ANY``) when it closes a cycle of groups reading groups."""
    if ANY in reads:
        return  # reads groups named at evaluation time: no static cycle to find
    graph = _graph((code_name, reads))
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        cycle = error.args[1]
        names = _display_names() | {code_name.lower(): code_name}
        path = " → ".join(names.get(code, code) for code in reversed(cycle))
        raise StoreError(f"the condition closes a cycle of groups: {path}") from None


def _display_names() -> dict[str, str]:
    return {g.code_name.lower(): g.code_name for g in ContactGroup.select(ContactGroup.code_name)}


def mark_readers_stale(code_name: str) -> None:
    """A group's members changed outside a condition: the groups reading it need a rebuild.

    (A single contact's change reaches them at once through re-evaluation; bulk changes
    would mean re-evaluating every contact touched, so the readers are flagged instead.)
    """
    code = code_name.lower()
    readers = [group_id for group_id, reads in
               ContactGroup.select(ContactGroup.id, ContactGroup.condition_reads)
               .where(ContactGroup.condition.is_null(False)
                      & (ContactGroup.status == STATUS_READY)).tuples()
               if decode(reads).groups & {code, ANY}]
    if readers:
        ContactGroup.update(status=STATUS_REBUILD_REQUIRED).where(
            ContactGroup.id.in_(readers)).execute()


def rebuild_order(groups: list[GroupLike]) -> list[GroupLike]:
    """``groups`` with every group after the groups it reads (others keep their order)."""
    graph = _graph()
    by_code = {g.code_name.lower(): g for g in groups}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for code in by_code:
        sorter.add(code, *sorted(graph.get(code, set()) & by_code.keys()))
    try:
        order = list(sorter.static_order())
    except CycleError:
        return groups  # a cycle stored before this check existed: keep the given order
    return [by_code[code] for code in order]


