"""Syntax tree of a condition, as written (before names and types are resolved).

Nodes are frozen so that a parsed condition can be shared between threads and cached. Every
node carries the span of source text it came from, in coordinates of the text the user gave,
so errors and the explain view can quote it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Where a node sits in the source: 0-based offsets [start, end), 1-based line/column."""

    start: int
    end: int
    line: int
    column: int


@dataclass(frozen=True)
class Node:
    span: Span


@dataclass(frozen=True)
class Literal(Node):
    """``42``, ``1.5``, ``"text"``, ``true``/``false`` or ``null``.

    ``kind`` is one of ``int``, ``decimal``, ``string``, ``bool``, ``null``.
    """

    kind: str
    value: bool | int | float | str | None


@dataclass(frozen=True)
class Identifier(Node):
    """A bare name: ``Contact``, ``CurrentDateTime``, ``Gender``."""

    name: str


@dataclass(frozen=True)
class MemberAccess(Node):
    """``target.name``; ``name_span`` locates the name itself (errors point at it)."""

    target: Node
    name: str
    name_span: Span


@dataclass(frozen=True)
class Call(Node):
    """``target.name(args)`` or, with no target, the free call ``name(args)``."""

    target: Node | None
    name: str
    args: tuple[Node, ...]
    name_span: Span


@dataclass(frozen=True)
class Unary(Node):
    """``!x`` (also written ``not x``) or ``-x``; ``op`` is ``!`` or ``-``."""

    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """A binary operator; ``op`` is normalised (``and``→``&&``, ``or``→``||``, ``MOD``→``mod``).

    ``&&`` and ``||`` chains are not binary: see Logical.
    """

    op: str
    left: Node
    right: Node
    op_span: Span


@dataclass(frozen=True)
class Conditional(Node):
    """``condition ? then : otherwise``."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Logical(Node):
    """A chain ``a && b && c`` or ``a || b || c``, kept flat.

    Designer output joins dozens of rules with the same operator; a flat node keeps such
    conditions shallow for every later pass.
    """

    op: str
    operands: tuple[Node, ...]
