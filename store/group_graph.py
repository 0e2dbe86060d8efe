"""Groups that read other groups (``IsInContactGroup``): rebuild order and cycle refusal.

A group depends on the groups its condition names. ``rebuild --all`` rebuilds dependencies
first so each group reads fresh membership, and a condition that would make a group depend on
itself, directly or through others, is refused when saved, naming the cycle.
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from conditions import ANY, dependencies
from store.condition_service import check_condition
from store.errors import StoreError
from store.models import ContactGroup
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED


def depends_on(condition: str | None) -> frozenset[str]:
    """Lowercased code names of the groups a condition reads; ``ANY`` if it cannot tell."""
    if not condition:
        return frozenset()
    try:
        return dependencies(check_condition(condition)).groups
    except StoreError:
        return frozenset()  # an invalid stored condition reads nothing until it is fixed


def _graph(override: tuple[str, str | None] | None = None) -> dict[str, set[str]]:
    """code name (lowercased) → the known groups it reads."""
    rows = {g.code_name.lower(): g.condition
            for g in ContactGroup.select(ContactGroup.code_name, ContactGroup.condition)}
    if override is not None:
        rows[override[0].lower()] = override[1]
    names = set(rows)
    graph = {}
    for name, condition in rows.items():
        reads = depends_on(condition)
        graph[name] = (names - {name}) if ANY in reads else (set(reads) & names)
    return graph


def check_no_cycle(code_name: str, condition: str | None) -> None:
    """Refuse a condition for ``code_name`` that closes a cycle of groups reading groups."""
    graph = _graph((code_name, condition))
    if ANY in depends_on(condition):
        return  # reads groups named at evaluation time: no static cycle to find
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
    readers = [g.id for g in ContactGroup.select(ContactGroup.id, ContactGroup.condition)
               .where(ContactGroup.condition.is_null(False)
                      & (ContactGroup.status == STATUS_READY))
               if code in depends_on(g.condition) or ANY in depends_on(g.condition)]
    if readers:
        ContactGroup.update(status=STATUS_REBUILD_REQUIRED).where(
            ContactGroup.id.in_(readers)).execute()


def rebuild_order(groups: list[ContactGroup]) -> list[ContactGroup]:
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


