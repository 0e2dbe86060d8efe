"""Method registry: what every function, method and contact method accepts and returns.

Each spec pairs a signature (used by the checker) with two implementations side by side: an
in-memory ``evaluate`` and a SQL ``to_sql``. Generic methods ship both. Contact methods are
declared here without implementations; the caller (the store) attaches them with
``Registry.implement``. A method without ``to_sql`` still evaluates, but makes the condition
"not translatable" so a rebuild falls back to evaluating contact by contact.

Calling conventions of the implementations (arguments arrive with defaults filled in):
- FUNCTION:  ``evaluate(*args)``;            ``to_sql(compiler, None, args_nodes)``
- METHOD / PROPERTY: ``evaluate(receiver, *args)``; ``to_sql(compiler, receiver_node, args_nodes)``
- CONTACT:   ``evaluate(context, *args)`` → bool, where ``context`` is the caller's evaluation
  context; ``to_sql(sql_context, *args)`` → ``Fragment``, a never-NULL predicate over the
  contact alias, given constant argument values only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from conditions.types import Type, Value, accepts


class Kind(Enum):
    FUNCTION = "function"  # ToInt(x)
    METHOD = "method"  # "x".Contains("y")
    PROPERTY = "property"  # CurrentDateTime.Month
    CONTACT = "contact method"  # Contact.DidActivity(...)


@dataclass(frozen=True)
class Param:
    name: str
    types: frozenset[Type]
    optional: bool = False
    default: Value = None
    variadic: bool = False


def param(name: str, *types: Type, optional: bool = False, default: Value = None,
          variadic: bool = False) -> Param:
    return Param(name, frozenset(types), optional, default, variadic)


@dataclass(frozen=True)
class MethodSpec:
    """One callable name of the language.

    ``dependencies(args)`` receives constant argument values (``dependencies.UNKNOWN`` for the
    others) and returns a ``Dependencies``. ``validate(args, schema)`` may return
    ``(argument index, message)`` to refuse constant arguments at check time. ``refused`` maps an
    argument index to the message given when a caller passes it (Kentico's raw-SQL arguments).
    """

    name: str
    kind: Kind
    params: tuple[Param, ...]
    result: Type
    receiver: frozenset[Type] = frozenset()
    evaluate: Callable[..., Any] | None = None
    to_sql: Callable[..., Any] | None = None
    dependencies: Callable[[tuple[Any, ...]], Any] | None = None
    validate: Callable[[tuple[Any, ...], Any], tuple[int, str] | None] | None = None
    refused: tuple[tuple[int, str], ...] = ()
    doc: str = ""

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional and not p.variadic)

    @property
    def max_args(self) -> int | None:
        if self.params and self.params[-1].variadic:
            return None
        return len(self.params)

    def param_at(self, index: int) -> Param:
        return self.params[min(index, len(self.params) - 1)]

    @property
    def title(self) -> str:
        return f"Contact.{self.name}" if self.kind is Kind.CONTACT else self.name


class Registry:
    """An immutable set of method specs, looked up case-insensitively (K# is)."""

    def __init__(self, specs: Iterable[MethodSpec]) -> None:
        self._specs = tuple(specs)
        self._index: dict[tuple[Kind, str], list[MethodSpec]] = {}
        for spec in self._specs:
            self._index.setdefault((spec.kind, spec.name.lower()), []).append(spec)

    def __iter__(self) -> Iterator[MethodSpec]:
        return iter(self._specs)

    def lookup(self, kind: Kind, name: str, receiver: Type | None = None) -> MethodSpec | None:
        """The spec for ``name``; for methods, the overload whose receiver accepts the type."""
        candidates = self._index.get((kind, name.lower()), [])
        if kind in (Kind.METHOD, Kind.PROPERTY) and receiver is not None:
            candidates = [s for s in candidates if accepts(s.receiver, receiver)]
        return candidates[0] if candidates else None

    def names(self, kind: Kind, receiver: Type | None = None) -> list[str]:
        return sorted(
            {
                s.name
                for s in self._specs
                if s.kind is kind and (receiver is None or accepts(s.receiver, receiver))
            }
        )

    def implement(
        self,
        name: str,
        *,
        evaluate: Callable[..., Any],
        to_sql: Callable[..., Any] | None = None,
    ) -> Registry:
        """A copy in which contact method ``name`` has the given implementations."""
        spec = self.lookup(Kind.CONTACT, name)
        if spec is None:
            raise KeyError(f"no contact method named {name!r} is declared")
        updated = replace(spec, evaluate=evaluate, to_sql=to_sql)
        return Registry(updated if s is spec else s for s in self._specs)

    def untranslatable(self) -> list[str]:
        """Names of contact methods that have no SQL translation (for warnings)."""
        return [s.title for s in self._specs if s.kind is Kind.CONTACT and s.to_sql is None]
