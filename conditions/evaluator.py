"""Evaluate a checked condition for one contact, in memory.

This is the reference semantics (see ``conditions.values``); the SQL compiler must agree with
it. Booleans are two-valued where they are consumed: ``!``, ``&&``, ``||`` and the final result
treat null (and anything not exactly ``true``) as false, so ``!null`` is true and a contact is a
member only when the whole condition is exactly true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from conditions import typed, values
from conditions.errors import ConditionError
from conditions.limits import recursion_headroom
from conditions.registry import Kind
from conditions.types import Type, Value

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

    def items(self, relation: str) -> Sequence[Mapping[str, Any]]:
        """The contact's items of the collection ``relation`` (``Contact.Accounts``), each
        by its members' declared names (``Account.AccountName``), for ``Exists(...)``."""
        ...


class _ItemContext:
    """The context of an ``Exists`` predicate for one item: the item's members, and for
    everything else (the contact's members, what contact methods read) the contact's."""

    def __init__(self, contact: EvaluationContext, item: Mapping[str, Any]) -> None:
        self._contact = contact
        self._item = item

    @property
    def now(self) -> datetime:
        return self._contact.now

    def member(self, name: str) -> Any:
        return self._item[name] if name in self._item else self._contact.member(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._contact, name)


class _NotConstant(Exception):
    """Raised while folding when a node needs a contact (a member or a contact method)."""


NOT_CONSTANT: Any = object()

Closure = Callable[[EvaluationContext | None, datetime | None], Value]
"""A compiled node: its value for a context (None while folding) and the evaluation's now."""


def compile_node(node: typed.Typed, source: str = "",
                 trace: dict[typed.Typed, Value] | None = None) -> Closure:
    """Compile ``node`` into nested closures that compute its value.

    Compiled once, a condition is evaluated without asking, node after node, what kind of
    node it is: a changed contact is asked about a hundred groups, and that question was
    half the time. With ``trace``, every closure records its node's value when it runs
    (explain); nodes that short-circuiting skips are left out.
    """
    closure = _compile(node, source, trace)
    if trace is None:
        return closure

    def traced(context: EvaluationContext | None, now: datetime | None) -> Value:
        result = closure(context, now)
        trace[node] = result
        return result

    return traced


def _compile(node: typed.Typed, source: str, trace: dict[typed.Typed, Value] | None
             ) -> Closure:
    def sub(child: typed.Typed) -> Closure:
        return compile_node(child, source, trace)

    if isinstance(node, typed.Const):
        constant = node.value
        return lambda _context, _now: constant
    if isinstance(node, typed.Member):
        return _member(node.name, node.type)
    if isinstance(node, typed.Now):
        return _now
    if isinstance(node, typed.Invoke):
        return _invoke(node, source, sub)
    if isinstance(node, typed.UnaryOp):
        operand = sub(node.operand)
        if node.op == "!":
            return lambda context, now: operand(context, now) is not True
        return lambda context, now: _negate(operand(context, now))
    if isinstance(node, typed.Exists):
        return _exists(node, source)
    if isinstance(node, typed.ConditionalOp):
        condition, then, otherwise = sub(node.condition), sub(node.then), sub(node.otherwise)
        return lambda context, now: (then(context, now) if condition(context, now) is True
                                     else otherwise(context, now))
    if isinstance(node, typed.LogicalOp):
        operands = [sub(o) for o in node.operands]
        if node.op == "&&":
            return lambda context, now: all(o(context, now) is True for o in operands)
        return lambda context, now: any(o(context, now) is True for o in operands)
    assert isinstance(node, typed.BinaryOp)
    return _binary(node, sub(node.left), sub(node.right))


def _member(name: str, type_: Type) -> Closure:
    normalize = values.normalize

    def member(context: EvaluationContext | None, _now: datetime | None) -> Value:
        if context is None:
            raise _NotConstant
        return normalize(context.member(name), type_)

    return member


def _exists(node: typed.Exists, source: str) -> Closure:
    """Some item satisfies the predicate. The predicate is compiled without the trace:
    its nodes take one value per item, which one line of explain cannot show."""
    relation = node.relation
    predicate = compile_node(node.predicate, source) if node.predicate is not None else None

    def exists(context: EvaluationContext | None, now: datetime | None) -> Value:
        if context is None:
            raise _NotConstant
        items = context.items(relation)
        if predicate is None:
            return bool(items)
        return any(predicate(_ItemContext(context, item), now) is True for item in items)

    return exists


def _now(_context: EvaluationContext | None, now: datetime | None) -> Value:
    if now is None:
        raise _NotConstant
    return now


def _negate(operand: Value) -> Value:
    return None if operand is None else -operand  # type: ignore[operator]


def _binary(node: typed.BinaryOp, left: Closure, right: Closure) -> Closure:
    op = node.op
    if op == "??":
        def coalesce(context: EvaluationContext | None, now: datetime | None) -> Value:
            value = left(context, now)
            return value if value is not None else right(context, now)
        return coalesce
    equal_text = values.exact if node.exact else values.lower
    order_text = values.exact if node.exact else values.fold_case
    if op == "==":
        return lambda context, now: values.equals(left(context, now), right(context, now),
                                                  equal_text)
    if op == "!=":
        return lambda context, now: not values.equals(left(context, now), right(context, now),
                                                      equal_text)
    if op in ("<", "<=", ">", ">="):
        return lambda context, now: values.compare(op, left(context, now), right(context, now),
                                                   order_text)
    type_ = node.type
    return lambda context, now: values.arithmetic(op, left(context, now), right(context, now),
                                                  type_)


def _invoke(node: typed.Invoke, source: str, sub: Callable[[typed.Typed], Closure]
            ) -> Closure:
    spec = node.spec
    args = [sub(a) for a in node.args]
    defaults = [p.default for p in spec.params[len(args):] if not p.variadic]
    receiver = sub(node.receiver) if node.receiver is not None else None
    function = spec.evaluate

    def arguments(context: EvaluationContext | None, now: datetime | None) -> list[Value]:
        return [a(context, now) for a in args] + defaults

    if spec.kind is Kind.CONTACT:
        def contact_method(context: EvaluationContext | None, now: datetime | None) -> Value:
            given = arguments(context, now)
            if context is None:
                raise _NotConstant
            if function is None:
                raise ConditionError.at_offset(
                    f"{spec.title} cannot be evaluated: no evaluator is registered",
                    source, getattr(node.node, "name_span", node.node.span).start)
            return function(context, *given) is True
        return contact_method
    assert function is not None
    if spec.kind is Kind.FUNCTION:
        return lambda context, now: function(*arguments(context, now))
    assert receiver is not None

    def method(context: EvaluationContext | None, now: datetime | None) -> Value:
        given = arguments(context, now)
        return function(receiver(context, now), *given)

    return method


def evaluate(checked: CheckedCondition, context: EvaluationContext) -> bool:
    """Whether the contact behind ``context`` matches: only an exact ``true`` counts."""
    return evaluate_many([checked], context)[0]


def evaluate_many(conditions: Sequence[CheckedCondition], context: EvaluationContext
                  ) -> list[bool]:
    """:func:`evaluate` for each condition, on one contact (a changed contact is asked about
    every group that reads what changed). Each condition is compiled once, on first use."""
    now = values.normalize(context.now)
    with recursion_headroom():
        return [checked.compiled(context, now) is True for checked in conditions]


def evaluate_traced(checked: CheckedCondition, context: EvaluationContext,
                    trace: dict[typed.Typed, Value]) -> Value:
    """The condition's value for one contact, recording every node's value in ``trace``."""
    with recursion_headroom():
        closure = compile_node(checked.root, checked.parsed.source, trace)
        return closure(context, values.normalize(context.now))


def fold(node: typed.Typed, now: datetime | None = None) -> Value:
    """The value of a subtree that needs no contact, or NOT_CONSTANT.

    Without ``now``, subtrees reading the current time are not constant either.
    """
    try:
        with recursion_headroom():
            return compile_node(node)(None, values.normalize(now))
    except _NotConstant:
        return NOT_CONSTANT


def constant_or_unknown(node: typed.Typed) -> object:
    """For checks and dependency extraction: the constant value, or ``UNKNOWN``."""
    from conditions.reads import UNKNOWN

    value = fold(node)
    return UNKNOWN if value is NOT_CONSTANT else value
