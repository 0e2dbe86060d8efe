"""The rule designer's model: a flat list of lines joined by and/or, without Textual.

The designer shows a condition as numbered lines ("and Contact is male"). A line holds a rule
instance the admin can edit, or a bracket group kept as it was stored (Kentico's designer can
nest brackets; this one shows such a group as one line that can be joined with and/or or
removed but not edited (the K# editor can), and never flattens it, which would change its
meaning).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from conditions.errors import ConditionError
from conditions.rules import RULES, Group, Node, Op, ParameterDef, RuleDef, RuleInstance, to_text

NEGATIONS = ("_perfectum", "_is", "_has")


@dataclass(frozen=True)
class Line:
    """One designer line; ``op`` joins it to the line before (ignored on the first)."""

    node: Node
    op: Op = Op.AND

    @property
    def editable(self) -> bool:
        return isinstance(self.node, RuleInstance)

    def text(self) -> str:
        """The sentence, with brackets around a kept bracket group."""
        node = self.node
        if isinstance(node, RuleInstance):
            return node.definition.text(node.values, node.texts)
        return f"({to_text(node)})"


def lines_of(tree: Group) -> list[Line]:
    """The designer lines of a stored tree's root group."""
    ops = (Op.AND, *tree.ops)
    return [Line(child, op) for child, op in zip(tree.children, ops, strict=True)]


def tree_of(lines: Sequence[Line]) -> Group:
    """The tree the lines stand for; ConditionError when there are none."""
    if not lines:
        raise ConditionError("Add at least one rule, or cancel")
    return Group(tuple(line.node for line in lines), tuple(line.op for line in lines[1:]))


def first_invalid(lines: Sequence[Line]) -> tuple[int, ConditionError] | None:
    """The first editable line whose parameters the catalogue refuses, with the reason."""
    for index, line in enumerate(lines):
        node = line.node
        if isinstance(node, RuleInstance):
            try:
                node.definition.checked_values(node.values)
            except ConditionError as error:
                return index, error
    return None


def with_value(line: Line, name: str, value: str) -> Line:
    """The line with one parameter changed; the caption Kentico kept for it no longer
    describes the new value, so it goes."""
    node = line.node
    if not isinstance(node, RuleInstance):
        raise ConditionError("A bracket group is edited in the K# editor")
    texts = {key: text for key, text in node.texts.items() if key != name}
    return replace(line, node=RuleInstance(node.rule, {**node.values, name: value}, texts))


def negation_parameter(rule: RuleDef) -> ParameterDef | None:
    """The has/has not, is/is not parameter that negates the rule, if it has one."""
    for param in rule.parameters:
        if param.name in NEGATIONS:
            return param
    return None


def negated(line: Line) -> Line:
    """The line with its rule's negation flipped; ConditionError when it cannot be."""
    node = line.node
    if not isinstance(node, RuleInstance):
        raise ConditionError("A bracket group cannot be negated here; use the K# editor")
    param = negation_parameter(node.definition)
    if param is None:
        raise ConditionError(
            f"'{node.definition.display_name}' has no negation; choose the opposite operator"
        )
    current = node.values.get(param.name, param.default)
    return with_value(line, param.name, "" if current == "!" else "!")


def toggled_op(line: Line) -> Line:
    return replace(line, op=Op.OR if line.op is Op.AND else Op.AND)


def matching_rules(query: str) -> list[RuleDef]:
    """Catalogue rules in whose display name or sentence every word of ``query`` starts a
    word ("male" finds "is male", not "is female")."""
    wanted = query.lower().split()

    def matches(rule: RuleDef) -> bool:
        words = re.findall(r"\w+", f"{rule.display_name} {rule.user_text}".lower())
        return all(any(word.startswith(part) for word in words) for part in wanted)

    return [rule for rule in RULES if matches(rule)]


def parameter_label(param: ParameterDef) -> str:
    """What the designer writes before a parameter's field: its choices or its caption."""
    if param.name.startswith("_"):
        return " / ".join(choice.text for choice in param.choices)
    return param.caption.removeprefix("enter ").removeprefix("select ")
