"""Value types of the condition language and the schema of members a caller provides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType

Value = bool | int | float | str | datetime | tuple[str, ...] | None
"""A runtime value: decimals are floats (K# doubles), lists of strings are tuples."""


class Type(Enum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    STRING = "string"
    DATETIME = "datetime"
    NULL = "null"
    STRING_LIST = "list of strings"

    def __str__(self) -> str:
        return self.value


NUMERIC = frozenset({Type.INT, Type.DECIMAL})


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two operands (``null`` fits anything, int widens to decimal)."""
    if a is b:
        return a
    if a is Type.NULL:
        return b
    if b is Type.NULL:
        return a
    if a in NUMERIC and b in NUMERIC:
        return Type.DECIMAL
    return None


def accepts(expected: frozenset[Type], actual: Type) -> bool:
    """Whether a value of type ``actual`` may be passed where ``expected`` is declared."""
    if actual is Type.NULL or actual in expected:
        return True
    return actual is Type.INT and Type.DECIMAL in expected


def describe(types: frozenset[Type]) -> str:
    """``int or decimal``: a readable list of types for error messages."""
    names = sorted(str(t) for t in types)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Constant:
    type: Type
    value: Value


@dataclass(frozen=True)
class Relation:
    """A collection of the contact (``Contact.Accounts``) whose items ``Exists(...)`` tests.

    ``columns`` are the item's members by Kentico's column names (``AccountName``): bare
    names inside ``Exists(...)``. Each is declared to the backends as ``<prefix>.<column>``
    (``Account.AccountName``), which no contact member can be. ``item`` names one item in
    messages ("account").
    """

    name: str
    item: str
    prefix: str
    columns: Mapping[str, Type]

    def column(self, name: str) -> str | None:
        """The declared spelling of the column ``name`` (any case), or None."""
        return next((c for c in self.columns if c.lower() == name.lower()), None)

    def member(self, column: str) -> str:
        """The declared member name of a column: ``Account.AccountName``."""
        return f"{self.prefix}.{column}"


@dataclass(frozen=True)
class Schema:
    """The names a condition may use, given by the caller.

    ``members`` maps dotted names (``Contact.ContactEmail``) to their type; ``constants`` maps
    dotted names (``Gender.Male``) to fixed values; ``relations`` maps a collection's dotted
    name (``Contact.Accounts``) to its items. Lookups are case-insensitive, as in K#.
    """

    members: Mapping[str, Type] = field(default_factory=dict)
    constants: Mapping[str, Constant] = field(default_factory=dict)
    relations: Mapping[str, Relation] = field(default_factory=dict)
    _folded: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the copies keep a caller's later edits of its dicts from leaking in.
        object.__setattr__(self, "members", MappingProxyType(dict(self.members)))
        object.__setattr__(self, "constants", MappingProxyType(dict(self.constants)))
        object.__setattr__(self, "relations", MappingProxyType(dict(self.relations)))
        folded = {name.lower(): name for name in [*self.members, *self.constants]}
        object.__setattr__(self, "_folded", MappingProxyType(folded))

    def canonical(self, dotted: str) -> str | None:
        """The declared spelling of ``dotted`` (any case), or None if it is not declared."""
        return self._folded.get(dotted.lower())

    def relation(self, dotted: str) -> Relation | None:
        """The collection declared as ``dotted`` (any case), or None."""
        return next((r for name, r in self.relations.items() if name.lower() == dotted.lower()),
                    None)

    def namespace_names(self, prefix: str) -> list[str]:
        """Short names declared under ``prefix`` (``Contact`` → ``ContactEmail``, ...)."""
        head = prefix.lower() + "."
        return [n[len(head) :] for n in self._folded.values() if n.lower().startswith(head)]

    def has_namespace(self, prefix: str) -> bool:
        return bool(self.namespace_names(prefix))

    def with_contact_fields(self, fields: Mapping[str, Type]) -> Schema:
        """A copy with custom contact fields added as ``Contact.<name>``."""
        members = dict(self.members)
        for name, type_ in fields.items():
            members[f"Contact.{name}"] = type_
        return Schema(members, self.constants, self.relations)
