"""Evaluate a checked condition for one contact, in memory.

This is the reference semantics (see ``conditions.values``); the SQL compiler must agree with
it. Booleans are two-valued where they are consumed: ``!``, ``&&``, ``||`` and the final result
treat null (and anything not exactly ``true``) as false, so ``!null`` is true and a contact is a
member only when the whole condition is exactly true.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from conditions import typed, values
from conditions.errors import ConditionError
from conditions.limits import recursion_headroom
from conditions.registry import Kind
from conditions.types import Value

if TYPE_CHECKING:
    from conditions.checker import CheckedCondition


class EvaluationContext(Protocol):
    """What the caller provides to evaluate one contact.

    ``now`` is fixed for the whole evaluation (a rebuild passes the same instant for every
    contact), naive UTC or aware. ``member(name)`` returns the value of a schema member by its
    declared dotted name (``Contact.ContactEmail``), None when empty. The context is also passed
    as the first argument to the contact-method evaluators the caller registered, so it may
    carry whatever they need (a database handle, the contact id, ...).
    """

    @property
    def now(self) -> datetime: ...

    def member(self, name: str) -> Any: ...


class _NotConstant(Exception):
    """Raised while folding when a node needs a contact (a member or a contact method)."""


NOT_CONSTANT: Any = object()


class Evaluator:
    """Computes node values; with ``trace`` it records the value of every node it visits."""

    def __init__(
        self,
        context: EvaluationContext | None,
        trace: dict[typed.Typed, Value] | None = None,
        now: datetime | None = None,
        source: str = "",
    ) -> None:
        self.context = context
        self.trace = trace
        self.source = source
        self.now = values.normalize(now if context is None else context.now)

    def value(self, node: typed.Typed) -> Value:
        result = self._value(node)
        if self.trace is not None:
            self.trace[node] = result
        return result

    def truth(self, node: typed.Typed) -> bool:
        return values.truth(self.value(node))

    def _value(self, node: typed.Typed) -> Value:
        if isinstance(node, typed.Const):
            return node.value
        if isinstance(node, typed.Member):
            if self.context is None:
                raise _NotConstant
            return values.normalize(self.context.member(node.name), node.type)
        if isinstance(node, typed.Now):
            if self.now is None:
                raise _NotConstant
            return self.now
        if isinstance(node, typed.Invoke):
            return self._invoke(node)
        if isinstance(node, typed.UnaryOp):
            if node.op == "!":
                return not self.truth(node.operand)
            operand = self.value(node.operand)
            return None if operand is None else -operand  # type: ignore[operator]
        if isinstance(node, typed.LogicalOp):
            if node.op == "&&":
                return all(self.truth(o) for o in node.operands)
            return any(self.truth(o) for o in node.operands)
        assert isinstance(node, typed.BinaryOp)
        return self._binary(node)

    def _binary(self, node: typed.BinaryOp) -> Value:
        left = self.value(node.left)
        if node.op == "??":
            return left if left is not None else self.value(node.right)
        right = self.value(node.right)
        if node.op == "==":
            return values.equals(left, right)
        if node.op == "!=":
            return not values.equals(left, right)
        if node.op in ("<", "<=", ">", ">="):
            return values.compare(node.op, left, right)
        return values.arithmetic(node.op, left, right, node.type)

    def _invoke(self, node: typed.Invoke) -> Value:
        spec = node.spec
        args = [self.value(a) for a in node.args]
        args += [p.default for p in spec.params[len(args) :] if not p.variadic]
        if spec.kind is Kind.CONTACT:
            if self.context is None:
                raise _NotConstant
            if spec.evaluate is None:
                raise ConditionError.at_offset(
                    f"{spec.title} cannot be evaluated: no evaluator is registered",
                    self.source,
                    getattr(node.node, "name_span", node.node.span).start,
                )
            return spec.evaluate(self.context, *args) is True
        assert spec.evaluate is not None
        if spec.kind is Kind.FUNCTION:
            return spec.evaluate(*args)
        assert node.receiver is not None
        return spec.evaluate(self.value(node.receiver), *args)


def evaluate(checked: CheckedCondition, context: EvaluationContext) -> bool:
    """Whether the contact behind ``context`` matches: only an exact ``true`` counts."""
    return evaluate_many([checked], context)[0]


def evaluate_many(conditions: Sequence[CheckedCondition], context: EvaluationContext
                  ) -> list[bool]:
    """:func:`evaluate` for each condition, on one contact: a changed contact is asked about
    every group that reads what changed, and the set-up is paid once for all of them."""
    with recursion_headroom():
        return [Evaluator(context, source=checked.parsed.source).value(checked.root) is True
                for checked in conditions]


def fold(node: typed.Typed, now: datetime | None = None) -> Value:
    """The value of a subtree that needs no contact, or NOT_CONSTANT.

    Without ``now``, subtrees reading the current time are not constant either.
    """
    try:
        with recursion_headroom():
            return Evaluator(None, now=now).value(node)
    except _NotConstant:
        return NOT_CONSTANT


def constant_or_unknown(node: typed.Typed) -> object:
    """For checks and dependency extraction: the constant value, or ``UNKNOWN``."""
    from conditions.reads import UNKNOWN

    value = fold(node)
    return UNKNOWN if value is NOT_CONSTANT else value
