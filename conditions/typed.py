"""The checked tree: every node resolved (members, methods) and typed.

The checker builds it from the syntax tree; the evaluator, the SQL compiler, the dependency
extractor and explain all walk this tree, so none of them re-does name resolution.
Nodes compare by identity (``eq=False``) so they can key the explain trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from conditions import ast
from conditions.types import Type, Value

if TYPE_CHECKING:
    from conditions.registry import MethodSpec


@dataclass(frozen=True, eq=False)
class Typed:
    type: Type
    node: ast.Node


@dataclass(frozen=True, eq=False)
class Const(Typed):
    """A literal or a schema constant such as ``Gender.Male``."""

    value: Value


@dataclass(frozen=True, eq=False)
class Member(Typed):
    """A schema member, by its declared dotted name (``Contact.ContactEmail``)."""

    name: str


@dataclass(frozen=True, eq=False)
class Now(Typed):
    """``CurrentDateTime`` / ``DateTime.Now``: the evaluation's fixed instant."""


@dataclass(frozen=True, eq=False)
class Invoke(Typed):
    """A registered function, method, property or contact method with its arguments."""

    spec: MethodSpec
    receiver: Typed | None
    args: tuple[Typed, ...]


@dataclass(frozen=True, eq=False)
class UnaryOp(Typed):
    op: str
    operand: Typed


@dataclass(frozen=True, eq=False)
class BinaryOp(Typed):
    """``exact``: string comparisons take case into account (``|(casesensitive)true``)."""

    op: str
    left: Typed
    right: Typed
    exact: bool = False


@dataclass(frozen=True, eq=False)
class LogicalOp(Typed):
    op: str
    operands: tuple[Typed, ...]


@dataclass(frozen=True, eq=False)
class ConditionalOp(Typed):
    """``condition ? then : otherwise``; only ``then`` or ``otherwise`` is evaluated."""

    condition: Typed
    then: Typed
    otherwise: Typed


@dataclass(frozen=True, eq=False)
class Exists(Typed):
    """``Contact.Accounts.Exists(predicate)``: some item of the collection ``relation``
    (declared name) satisfies ``predicate``, which reads the item's members; without a
    predicate, the collection has an item."""

    relation: str
    predicate: Typed | None


def children(node: Typed) -> tuple[Typed, ...]:
    """Direct sub-expressions, in evaluation order."""
    if isinstance(node, Invoke):
        return node.args if node.receiver is None else (node.receiver, *node.args)
    if isinstance(node, UnaryOp):
        return (node.operand,)
    if isinstance(node, BinaryOp):
        return (node.left, node.right)
    if isinstance(node, LogicalOp):
        return node.operands
    if isinstance(node, ConditionalOp):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Exists) and node.predicate is not None:
        return (node.predicate,)
    return ()
