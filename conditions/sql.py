"""Compile a checked condition to one set-based SQL query selecting the matching contact ids.

Design rules, each mirrored by ``conditions.values`` and tested differentially:
- Every value is a bound parameter; the SQL text holds only our own keywords and the
  identifiers the binding gives. No literal ``%`` ever appears in the text (psycopg2 would take
  it for a placeholder): LIKE patterns are parameters, escaped, with ``ESCAPE '\\'``.
- Every boolean is compiled to a two-valued, never-NULL SQL boolean (``COALESCE(..., FALSE)``
  where NULL could arise), so NOT/AND/OR behave like the evaluator's two-valued logic.
- Case-insensitive comparison lowercases both sides with the dialect's ``lower_function``.
  SQLite's built-in ``lower()`` folds ASCII only, so on SQLite the dialect names a Python
  function registered with ``register_sqlite_functions`` (``values.fold_case``); tests
  against constants call it only for values that are not pure ASCII (``Compiler.folded_in``,
  ``Compiler.folded_like``, ``SqliteDialect.folded``). PostgreSQL's ``lower()`` follows the
  database locale; string ordering uses ``COLLATE "C"`` (code point order, as Python
  compares). Each engine's forms are in ``conditions.dialects``.
- Subtrees that need no contact (literals, ``CurrentDateTime``, conversions of literals, ...)
  are computed in Python by the evaluator and bound as one parameter, so both backends share
  that arithmetic exactly; ``now`` itself is a parameter.
- What SQL cannot reproduce exactly (a contact method without ``to_sql``, a conversion of a
  string column, ...) makes the condition "not translatable": reported, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from conditions import typed, values
from conditions.dialects import Dialect
from conditions.evaluator import NOT_CONSTANT, fold
from conditions.limits import recursion_headroom
from conditions.reads import Dependencies, dependencies
from conditions.registry import Kind
from conditions.types import Type, Value

if TYPE_CHECKING:
    from conditions.checker import CheckedCondition

_INT64 = 2**63
LIKE_PATTERN_LIMIT = 50_000
"""Bytes of a LIKE pattern SQLite accepts (its default SQLITE_MAX_LIKE_PATTERN_LENGTH); a
longer one fails only when the query runs, so longer needles are found by position."""
_AFFIX_PATTERNS = {"contains": "%{}%", "starts": "{}%", "ends": "%{}"}


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL with its parameters, in placeholder order."""

    sql: str
    params: tuple[Any, ...] = ()


class SqlBinding(Protocol):
    """How the condition language maps onto the caller's tables (implemented by the store).

    - ``dialect``: the engine's :class:`~conditions.dialects.Dialect` (``SQLITE``,
      ``POSTGRESQL``, or the store's extension of one), asked for whatever differs.
    - ``contact_table`` / ``contact_alias`` / ``contact_id``: ``FROM <table> AS <alias>``,
      selecting ``<alias>.<contact_id>``.
    - ``live_predicate``: SQL over the alias for contacts that may match, e.g.
      ``c.merged_into IS NULL`` (static text, no parameters).
    - ``member_sql(name, compiler)``: the SQL expression of a schema member (dotted name as
      declared, e.g. ``Contact.ContactEmail`` → ``Fragment("c.email")``); may use
      ``compiler.param`` (e.g. ``ContactAge`` from the birthday and ``compiler.now``).
    - ``exists_sql(relation, where, compiler)``: a never-NULL predicate over the contact alias:
      the contact has an item of the collection ``relation`` (``Contact.Accounts``) meeting
      ``where`` (None: any item), which reads the item's members through ``member_sql``
      (``Account.AccountName``).
    """

    dialect: Dialect
    contact_table: str
    contact_alias: str
    contact_id: str
    live_predicate: str

    def member_sql(self, name: str, compiler: Compiler) -> Fragment: ...

    def exists_sql(self, relation: str, where: Fragment | None, compiler: Compiler
                   ) -> Fragment: ...


class NotTranslatable(Exception):
    """A construct with no exact SQL equivalent; the rebuild evaluates in memory instead."""


def _fmt(template: str, *parts: Fragment) -> Fragment:
    return Fragment(
        template.format(*(p.sql for p in parts)), tuple(x for p in parts for x in p.params)
    )


@dataclass(frozen=True)
class SharedSet:
    """A set of contact ids that the condition reads and that does not depend on the contact
    (the contacts with a page visit in the last 30 days): the query reads it from ``table``,
    which whoever runs the query fills first with ``sql`` (one column, ``contact_id``)."""

    table: str
    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class CompiledQuery:
    """``sql``/``params`` select the ids of matching live contacts; ``sql`` is None when the
    condition is not translatable (``reason`` says why: evaluate contact by contact).
    ``shared`` lists the tables the query reads, when it was compiled to share its sets."""

    sql: str | None
    params: tuple[Any, ...]
    translatable: bool
    dependencies: Dependencies
    reason: str | None = None
    id_column: str = ""
    body: str = ""
    shared: tuple[SharedSet, ...] = ()

    def select(self, what: str, narrowed_by: str = "") -> str:
        """The query selecting ``what`` (``COUNT(*)``, the id column) over the matching
        contacts, narrowed by ``narrowed_by`` (SQL over ``id_column``, its placeholders
        after ``params``). Selecting directly rather than from a subquery of ``sql`` lets
        the engine seek an id range and count without materialising the ids.
        """
        assert self.translatable, "a condition that is not translatable has no query"
        return f"SELECT {what} {self.body}" + (f" AND ({narrowed_by})" if narrowed_by else "")


class Compiler:
    """Turns typed nodes into Fragments; handed to ``to_sql`` callables and the binding."""

    NOT_CONSTANT = NOT_CONSTANT

    def __init__(self, binding: SqlBinding, now: datetime, *, share_sets: bool = False) -> None:
        if not isinstance(binding.dialect, Dialect):
            raise ValueError(f"unknown SQL dialect {binding.dialect!r}")
        self.binding = binding
        self.dialect = binding.dialect
        self.now = values.normalize(now)
        self.contact_alias = binding.contact_alias
        self._constants: dict[int, bool] = {}
        self._share_sets = share_sets
        self.shared: list[SharedSet] = []

    # ----------------------------------------------------------- helpers for translators

    def fmt(self, template: str, *parts: Fragment) -> Fragment:
        return _fmt(template, *parts)

    def join(self, separator: str, parts: Sequence[Fragment]) -> Fragment:
        """``parts`` joined by ``separator``; by AND or OR as a balanced tree of brackets.

        Databases parse ``a OR b OR c …`` into a chain as deep as it is long, and SQLite
        refuses a tree deeper than 1,000: 3,000 alternatives would never run. Balanced,
        they nest about 12 deep.
        """
        if separator.strip() not in ("AND", "OR") or len(parts) <= 2:
            return _fmt(separator.join("{}" for _ in parts), *parts)
        middle = len(parts) // 2
        halves = [self.join(separator, half) for half in (parts[:middle], parts[middle:])]
        return _fmt(f"({{}}){separator}({{}})", *halves)

    def contact_set(self, select: Fragment) -> Fragment:
        """``select`` (contact ids, not correlated with the contact) as a subquery, or, when
        compiling to share sets, the name of a table to fill from it once: SQLite computes
        an uncorrelated subquery anew for each statement, so a rebuild over a hundred id
        ranges paid for it a hundred times."""
        if not self._share_sets:
            return select
        table = f"shared_set_{len(self.shared) + 1}"
        self.shared.append(SharedSet(table, select.sql, select.params))
        return Fragment(f"SELECT contact_id FROM {table}")

    def param(self, value: Value) -> Fragment:
        if isinstance(value, datetime):
            return Fragment(self.dialect.placeholder, (self.dialect.datetime_param(value),))
        return Fragment(self.dialect.placeholder, (value,))

    def literal(self, value: Value) -> Fragment:
        """A constant: NULL/TRUE/FALSE as keywords, anything else as a parameter."""
        if value is None:
            return Fragment("NULL")
        if isinstance(value, bool):
            return Fragment(self.dialect.true if value else self.dialect.false)
        if isinstance(value, tuple):
            raise NotTranslatable("a list value outside EqualsAny/InList")
        if isinstance(value, int) and not -_INT64 <= value < _INT64:
            raise NotTranslatable("an integer beyond 64 bits")
        return self.param(value)

    def refuse(self, what: str, node: typed.Typed) -> None:
        """Give up translating: ``node`` (of kind ``what``) has no exact SQL form."""
        raise NotTranslatable(f"{what} has no SQL translation ({node.node.span.line}:"
                              f"{node.node.span.column})")

    def constant(self, node: typed.Typed) -> Value:
        """The node's value if it needs no contact, else ``NOT_CONSTANT``."""
        return fold(node, self.now) if self._is_constant(node) else NOT_CONSTANT

    def _is_constant(self, node: typed.Typed) -> bool:
        key = id(node)
        if key not in self._constants:
            needs_contact = isinstance(node, typed.Member | typed.Exists) or (
                isinstance(node, typed.Invoke) and node.spec.kind is Kind.CONTACT
            )
            result = not needs_contact and all(
                self._is_constant(child) for child in typed.children(node)
            )
            self._constants[key] = result
        return self._constants[key]

    def folded_like(self, value: Fragment, pattern: str) -> Fragment:
        """``value`` lowercased (null as empty) matches ``pattern``, already folded and escaped."""
        return self.dialect.folded(self, value, "LIKE {} ESCAPE '\\'", self.param(pattern),
                                   pattern)

    def folded_affix(self, mode: str, value: Fragment, needle: str | None) -> Fragment:
        """``value`` lowercased (null as empty) contains, starts or ends with ``needle``
        (``mode``: contains, starts, ends), ignoring case; by LIKE unless it is too long."""
        pattern = _AFFIX_PATTERNS[mode].format(values.like_escape(needle))
        if len(pattern.encode()) <= LIKE_PATTERN_LIMIT:
            return self.folded_like(value, pattern)
        lowered = _fmt(f"COALESCE({self.dialect.lower_function}({{}}), '')", value)
        return self.dialect.affix(self, mode, lowered, self.param(values.lower(needle)))

    def folded_in(self, value: Fragment, items: Sequence[str], *,
                  not_null: bool = False) -> Fragment:
        """``value`` lowercased (null as empty) is one of ``items``, already folded.
        ``not_null``: ``value`` is a NOT NULL column (an activity's type, a form's name),
        which needs no null-as-empty and so can be the expression an index holds."""
        operand = self.join(", ", [self.param(item) for item in items])
        return self.dialect.folded(self, value, "IN ({})", operand, "".join(items),
                                   not_null=not_null)

    def exact_text(self, node: typed.Typed) -> Fragment:
        """The node as text, null as empty, not folded: the form case-sensitive comparisons
        use (``|(casesensitive)true``)."""
        value = self.constant(node)
        if value is not NOT_CONSTANT:
            return self.param(values.exact(value))  # type: ignore[arg-type]
        return _fmt("COALESCE({}, '')", self.value(node))

    def lower_text(self, node: typed.Typed) -> Fragment:
        """The node as lowercased text, null as empty: the form string comparisons use."""
        value = self.constant(node)
        if value is not NOT_CONSTANT:
            return self.param(values.lower(value))  # type: ignore[arg-type]
        return _fmt(f"COALESCE({self.dialect.lower_function}({{}}), '')", self.value(node))

    # ----------------------------------------------------------- compilation

    def truth(self, node: typed.Typed) -> Fragment:
        """A never-NULL predicate that holds exactly when the node is ``true``."""
        value = self.constant(node)
        if value is not NOT_CONSTANT:
            return Fragment(self.dialect.true if value is True else self.dialect.false)
        compiled = self.value(node)
        if (isinstance(node, typed.Member | typed.BinaryOp | typed.ConditionalOp)
                and not self._two_valued(node)):
            return _fmt(f"(COALESCE({{}}, {self.dialect.false}) = {self.dialect.true})", compiled)
        return compiled

    @staticmethod
    def _two_valued(node: typed.Typed) -> bool:
        return isinstance(node, typed.BinaryOp) and node.op != "??"

    def value(self, node: typed.Typed) -> Fragment:
        constant = self.constant(node)
        if constant is not NOT_CONSTANT:
            return self.literal(constant)
        if isinstance(node, typed.Member):
            return self.binding.member_sql(node.name, self)
        if isinstance(node, typed.Invoke):
            return self._invoke(node)
        if isinstance(node, typed.Exists):
            where = None if node.predicate is None else self.truth(node.predicate)
            return self.binding.exists_sql(node.relation, where, self)
        if isinstance(node, typed.UnaryOp):
            if node.op == "!":
                return self._negation(node)
            return _fmt("(- {})", self.value(node.operand))
        if isinstance(node, typed.ConditionalOp):
            return _fmt("(CASE WHEN {} THEN {} ELSE {} END)", self.truth(node.condition),
                        self.value(node.then), self.value(node.otherwise))
        if isinstance(node, typed.LogicalOp):
            operands = self._flattened(node)
            if node.op == "&&":
                return _fmt("({})", self.join(" AND ", [self.truth(o) for o in operands]))
            return _fmt("({})", self.join(" OR ", self._alternatives(operands)))
        assert isinstance(node, typed.BinaryOp)
        return self._binary(node)

    def _negation(self, node: typed.UnaryOp) -> Fragment:
        """``!x``; ``!!x`` is ``x`` in two-valued logic, so pairs of negations cancel
        rather than nest one bracket each."""
        negated, operand = True, node.operand
        while isinstance(operand, typed.UnaryOp) and operand.op == "!":
            negated, operand = not negated, operand.operand
        return _fmt("(NOT {})", self.truth(operand)) if negated else self.truth(operand)

    def _alternatives(self, operands: list[typed.Typed]) -> list[Fragment]:
        """The operands of an OR, those comparing one text member with constants merged
        into one ``IN`` list per member: ``City == "a" || City == "b" || …`` tests each
        contact once against a list instead of once per alternative (3,000 of them cost a
        rebuild of 20,000 contacts five seconds)."""
        slots: list[Fragment | str] = []
        constants: dict[str, tuple[typed.Typed, list[str]]] = {}
        for operand in operands:
            equality = self._text_equality(operand)
            if equality is None:
                slots.append(self.truth(operand))
                continue
            member, constant = equality
            if member.name not in constants:
                constants[member.name] = (member, [])
                slots.append(member.name)
            constants[member.name][1].append(constant)
        merged = {name: self.folded_in(self.value(member), list(dict.fromkeys(items)))
                  for name, (member, items) in constants.items()}
        return [merged[slot] if isinstance(slot, str) else slot for slot in slots]

    def _text_equality(self, node: typed.Typed) -> tuple[typed.Member, str] | None:
        """``(member, folded constant)`` when ``node`` is ``text member == constant``."""
        if not isinstance(node, typed.BinaryOp) or node.op != "==":
            return None
        for member, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(member, typed.Member) and member.type is Type.STRING:
                constant = self.constant(other)
                if constant is None or isinstance(constant, str):
                    return member, values.lower(constant)
        return None

    @staticmethod
    def _flattened(node: typed.LogicalOp) -> list[typed.Typed]:
        """``a && (b && (c && d))`` as ``[a, b, c, d]``: the same in two-valued logic, and
        balanced by :meth:`join` it nests a few levels instead of one per bracket (SQLite's
        parser refuses about a hundred)."""
        operands: list[typed.Typed] = []
        pending = list(reversed(node.operands))
        while pending:
            operand = pending.pop()
            if isinstance(operand, typed.LogicalOp) and operand.op == node.op:
                pending.extend(reversed(operand.operands))
            else:
                operands.append(operand)
        return operands

    def _invoke(self, node: typed.Invoke) -> Fragment:
        spec = node.spec
        if spec.to_sql is None:
            raise NotTranslatable(f"{spec.title} has no SQL translation")
        if spec.kind is Kind.CONTACT:
            args = []
            for arg in node.args:
                value = self.constant(arg)
                if value is NOT_CONSTANT:
                    raise NotTranslatable(f"{spec.title} with an argument that is not a constant")
                args.append(value)
            args += [p.default for p in spec.params[len(args) :] if not p.variadic]
            return spec.to_sql(self, *args)
        return spec.to_sql(self, node.receiver, node.args)

    def _binary(self, node: typed.BinaryOp) -> Fragment:
        op, left, right = node.op, node.left, node.right
        if op == "??":
            return _fmt("COALESCE({}, {})", self.value(left), self.value(right))
        if op in ("==", "!="):
            equal = self._equal(left, right, node.exact)
            return equal if op == "==" else _fmt("(NOT {})", equal)
        if op in ("<", "<=", ">", ">="):
            return self._order(op, left, right, node.exact)
        if node.type is Type.STRING:
            return _fmt("({} || {})", self._concat_operand(left), self._concat_operand(right))
        a, b = self.value(left), self.value(right)
        if op in ("+", "-", "*"):
            return _fmt(f"({{}} {op} {{}})", a, b)
        if op == "/":
            if node.type is Type.DECIMAL:
                return _fmt(f"(CAST({{}} AS {self.dialect.real}) / NULLIF({{}}, 0))", a, b)
            return _fmt("({} / NULLIF({}, 0))", a, b)
        return _fmt("({} - ({} / NULLIF({}, 0)) * {})", a, a, b, b)  # mod, truncating

    def _concat_operand(self, node: typed.Typed) -> Fragment:
        if node.type is Type.INT:
            return _fmt("COALESCE(CAST({} AS TEXT), '')", self.value(node))
        return _fmt("COALESCE({}, '')", self.value(node))

    def _is_null_constant(self, node: typed.Typed) -> bool:
        return self.constant(node) is None

    def _equal(self, left: typed.Typed, right: typed.Typed, exact: bool) -> Fragment:
        if Type.INT in (left.type, right.type) and Type.STRING in (left.type, right.type):
            return _fmt("({} = {})", self._number_text(left), self._number_text(right))
        if Type.STRING in (left.type, right.type) and exact:
            return _fmt("({} = {})", self.exact_text(left), self.exact_text(right))
        if Type.STRING in (left.type, right.type):
            for text, other in ((left, right), (right, left)):
                constant = self.constant(other)
                if text.type is Type.STRING and constant is not NOT_CONSTANT:
                    return self.folded_in(self.value(text), [values.lower(constant)])
            return _fmt("({} = {})", self.lower_text(left), self.lower_text(right))
        if self._is_null_constant(right):
            return _fmt("({} IS NULL)", self.value(left))
        if self._is_null_constant(left):
            return _fmt("({} IS NULL)", self.value(right))
        return _fmt(f"({{}} {self.dialect.null_safe_equal} {{}})", self.value(left),
                    self.value(right))

    def _number_text(self, node: typed.Typed) -> Fragment:
        """A side of ``number == "text"``: the number's text, null as empty; the text is
        folded (digits and signs fold to themselves, other text never equals a number)."""
        if node.type is Type.INT:
            return self._concat_operand(node)
        return self.lower_text(node)

    def _order(self, op: str, left: typed.Typed, right: typed.Typed, exact: bool
               ) -> Fragment:
        if self.constant(left) in (None, "") or self.constant(right) in (None, ""):
            return Fragment(self.dialect.false)
        false = self.dialect.false
        if Type.STRING in (left.type, right.type):
            collate = self.dialect.string_collation
            text = self.exact_text if exact else self.lower_text
            return _fmt(
                f"COALESCE((NULLIF({{}}, ''){collate} {op} NULLIF({{}}, ''){collate}), {false})",
                text(left),
                text(right),
            )
        return _fmt(f"COALESCE(({{}} {op} {{}}), {false})", self.value(left), self.value(right))


def compile_sql(checked: CheckedCondition, binding: SqlBinding, now: datetime, *,
                share_sets: bool = False) -> CompiledQuery:
    """One query selecting the ids of live contacts matching ``checked`` at instant ``now``;
    with ``share_sets`` its uncorrelated sets are read from tables (see ``contact_set``)."""
    deps = dependencies(checked)
    compiler = Compiler(binding, now, share_sets=share_sets)
    try:
        with recursion_headroom():
            predicate = compiler.truth(checked.root)
    except NotTranslatable as exc:
        return CompiledQuery(None, (), False, deps, str(exc))
    alias = binding.contact_alias
    id_column = f"{alias}.{binding.contact_id}"
    body = _fmt(f"FROM {binding.contact_table} AS {alias} WHERE ({binding.live_predicate}) "
                "AND {}", predicate)
    return CompiledQuery(f"SELECT {id_column} {body.sql}", body.params, True, deps,
                         id_column=id_column, body=body.sql, shared=tuple(compiler.shared))
