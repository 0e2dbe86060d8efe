"""What a condition reads, so the store re-evaluates only the groups a change can affect.

Member accesses give contact fields; each contact method's extractor (declared with its spec
in ``conditions.vocabulary``) gives activity types, forms, groups and accounts from its constant
arguments. ``ANY`` stands for "every activity type / form" (e.g. ``DidActivity(null, ...)``, or an
argument that is not a constant).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conditions import typed

if TYPE_CHECKING:
    from conditions.checker import CheckedCondition

ANY = "*"


class _Unknown:
    """An argument whose value is not known before evaluation (not a constant)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Dependencies:
    """Contact field names (``ContactEmail``), activity type code names, form code names, group
    code names; ``accounts`` when account membership matters; ``uses_now`` when the result can
    change with time alone (a daily rebuild matters)."""

    fields: frozenset[str] = field(default_factory=frozenset)
    activity_types: frozenset[str] = field(default_factory=frozenset)
    forms: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    accounts: bool = False
    uses_now: bool = False

    def __or__(self, other: Dependencies) -> Dependencies:
        return Dependencies(
            self.fields | other.fields,
            self.activity_types | other.activity_types,
            self.forms | other.forms,
            self.groups | other.groups,
            self.accounts or other.accounts,
            self.uses_now or other.uses_now,
        )

    def to_json(self) -> str:
        """The form a store keeps beside the condition, so that knowing what a saved
        condition reads never costs a parse (sorted: the same reads, the same text)."""
        return json.dumps({
            "fields": sorted(self.fields), "activity_types": sorted(self.activity_types),
            "forms": sorted(self.forms), "groups": sorted(self.groups),
            "accounts": self.accounts, "uses_now": self.uses_now,
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Dependencies:
        """What :meth:`to_json` wrote; ValueError if it is not that."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("stored reads are not an object")
        return cls(
            frozenset(data.get("fields", ())), frozenset(data.get("activity_types", ())),
            frozenset(data.get("forms", ())), frozenset(data.get("groups", ())),
            bool(data.get("accounts", False)), bool(data.get("uses_now", False)))


def split_list(value: object) -> frozenset[str]:
    """Kentico's ``"a;b"`` lists as a set of trimmed, lowercased code names; null/empty → ANY."""
    if value is UNKNOWN or value is None or not str(value).strip():
        return frozenset({ANY})
    return frozenset(item.strip().lower() for item in str(value).split(";") if item.strip())


RELATION_READS = {
    "contact.contactgroups": Dependencies(groups=frozenset({ANY})),
    "contact.accounts": Dependencies(accounts=True),
}
"""What the collections of ``conditions.vocabulary`` read, by ``.Count`` or ``.Exists(...)``
(the columns of their items included: an account's edit re-evaluates its contacts)."""


def _relation_read(member: str) -> Dependencies | None:
    """What the member ``Contact.<collection>.Count`` reads; None for other members."""
    relation, _, name = member.lower().rpartition(".")
    return RELATION_READS.get(relation) if name == "count" else None


def dependencies(checked: CheckedCondition) -> Dependencies:
    """Everything ``checked`` reads, from member accesses and contact-method extractors."""
    from conditions.evaluator import constant_or_unknown

    result = Dependencies()
    stack: list[typed.Typed] = [checked.root]
    while stack:
        node = stack.pop()
        stack.extend(typed.children(node))
        relation = _relation_read(node.name) if isinstance(node, typed.Member) else None
        if relation is not None:
            result |= relation
        elif isinstance(node, typed.Exists):
            result |= RELATION_READS[node.relation.lower()]
        elif isinstance(node, typed.Member) and node.name.lower().startswith("contact."):
            result |= Dependencies(fields=frozenset({node.name.split(".", 1)[1]}))
        elif isinstance(node, typed.Now):
            result |= Dependencies(uses_now=True)
        elif isinstance(node, typed.Invoke) and node.spec.dependencies is not None:
            values = tuple(constant_or_unknown(arg) for arg in node.args)
            result |= node.spec.dependencies(_with_defaults(node, values))
    return result


def _with_defaults(node: typed.Invoke, values: tuple[object, ...]) -> tuple[object, ...]:
    missing = node.spec.params[len(values) :]
    return values + tuple(p.default for p in missing if not p.variadic)
