"""Why a contact is in or out: the condition's sub-expressions with their values.

Values come from the evaluator's trace, so explain shows exactly what membership used,
including which operands short-circuiting never evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conditions import typed
from conditions.checker import CheckedCondition
from conditions.evaluator import EvaluationContext, evaluate_traced
from conditions.limits import recursion_headroom
from conditions.render import render_node
from conditions.types import Value


@dataclass(frozen=True)
class ExplainNode:
    """One sub-expression: its K# text, its value (if it was evaluated) and its parts."""

    text: str
    value: Value
    evaluated: bool
    children: tuple[ExplainNode, ...]


@dataclass(frozen=True)
class Explanation:
    member: bool
    root: ExplainNode

    @property
    def verdict(self) -> str:
        """The condition's value in words: "true", "false", "null" or "unknown"."""
        return format_value(self.root.value) if self.root.evaluated else "unknown"

    def render(self) -> str:
        """Plain text, one sub-expression per line, indented under its parent."""
        return (f"{'member' if self.member else 'not a member'}: the condition is "
                f"{self.verdict}\n{self.tree()}")

    def tree(self) -> str:
        """The sub-expressions alone, one per line, indented under their parents."""
        lines: list[str] = []
        stack: list[tuple[ExplainNode, int]] = [(self.root, 0)]
        while stack:
            node, depth = stack.pop()
            shown = format_value(node.value) if node.evaluated else "(not evaluated)"
            lines.append(f"{'  ' * depth}{shown:<16} {node.text}")
            stack.extend((child, depth + 1) for child in reversed(node.children))
        return "\n".join(lines)


def format_value(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def explain(checked: CheckedCondition, context: EvaluationContext) -> Explanation:
    """Evaluate ``checked`` for the contact behind ``context`` and keep every value."""
    trace: dict[typed.Typed, Value] = {}

    def build(node: typed.Typed) -> ExplainNode:
        parts = tuple(build(child) for child in _explained_children(node))
        return ExplainNode(render_node(node.node), trace.get(node), node in trace, parts)

    result = evaluate_traced(checked, context, trace)
    with recursion_headroom():
        return Explanation(result is True, build(checked.root))


def _explained_children(node: typed.Typed) -> tuple[typed.Typed, ...]:
    # Constants explain nothing; listing them would only repeat the parent's text. An
    # Exists predicate has a value per item: the Exists line (its text holds it) says all.
    if isinstance(node, typed.Exists):
        return ()
    return tuple(c for c in typed.children(node) if not isinstance(c, typed.Const))
