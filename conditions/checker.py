"""Resolve names and check types of a parsed condition against a schema and a registry.

The result, a tree of ``conditions.typed`` nodes, is what every backend consumes. All problems
are ConditionErrors at the position of the offending name or argument, with a "did you mean"
suggestion for misspelt names. Members Kentico has but we do not (``Contact.Orders``,
``IsInPersona``) fail here as unknown names, not as syntax errors.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from conditions import ast, typed
from conditions.errors import ConditionError
from conditions.evaluator import Closure, compile_node, constant_or_unknown
from conditions.grammar import ParsedCondition, parse_condition
from conditions.limits import recursion_headroom
from conditions.registry import Kind, MethodSpec, Registry
from conditions.types import NUMERIC, Relation, Schema, Type, accepts, describe, unify
from conditions.vocabulary import DESIGNER_MEMBERS, EXACT_METHODS

NOW_NAMES = {"currentdatetime": "CurrentDateTime", "datetime.now": "DateTime.Now",
             "datetime.utcnow": "DateTime.UtcNow", "now": "Now"}
"""Spellings of "the evaluation's current instant"; all times are UTC."""

_INT64 = 2**63

RESULT_NEUTRAL_PARAMETERS = frozenset({
    "identity", "user", "hash",  # Kentico's signature
    "encode", "recursive", "handlesqlinjection", "debug", "timeout",
})
"""Macro parameters that cannot change whether a condition is true: accepted and ignored."""


@dataclass(frozen=True)
class CheckedCondition:
    """A parsed condition whose names resolved and whose result is boolean."""

    parsed: ParsedCondition
    root: typed.Typed
    schema: Schema
    registry: Registry

    @cached_property
    def compiled(self) -> Closure:
        """The condition as closures, compiled on first use and kept with it."""
        return compile_node(self.root, self.parsed.source)


def check(condition: ParsedCondition | str, schema: Schema, registry: Registry) -> CheckedCondition:
    """Type-check ``condition``; raise ConditionError at the first problem."""
    parsed = parse_condition(condition) if isinstance(condition, str) else condition
    with recursion_headroom():
        checker = _Checker(parsed.source, schema, registry, designer=parsed.rules_xml is not None,
                           case_sensitive=_case_sensitive(parsed))
        root = checker.check(parsed.expression)
    if root.type is not Type.BOOL:
        raise ConditionError.at_offset(
            f"a condition must be true or false, but this is {_a(root.type)}",
            parsed.source,
            root.node.span.start,
        )
    return CheckedCondition(parsed, root, schema, registry)


def _case_sensitive(parsed: ParsedCondition) -> bool:
    """Whether ``|(casesensitive)true`` asks for case-sensitive string comparisons.

    Every other parameter that could change the answer (``default``, ``culture`` other than
    the en-US we read dates in, ``resolver``, unknown ones) is refused rather than ignored.
    """
    case_sensitive = False
    for name, raw in parsed.parameters.items():
        value = raw.strip().lower()
        if name == "casesensitive" and value in ("true", "false"):
            case_sensitive = value == "true"
        elif name == "casesensitive":
            raise _parameter_error(parsed, name, f"|(casesensitive) must be true or false, "
                                                 f"not {raw.strip()!r}")
        elif not (name in RESULT_NEUTRAL_PARAMETERS
                  or (name == "culture" and value in ("", "en-us"))):
            raise _parameter_error(parsed, name, f"the macro parameter |({name}) would change "
                                                 "the condition's result and is not "
                                                 "supported: remove it")
    return case_sensitive


def _parameter_error(parsed: ParsedCondition, name: str, message: str) -> ConditionError:
    offset = max(parsed.source.lower().rfind(f"|({name}"), 0)
    return ConditionError.at_offset(message, parsed.source, offset)


def _a(type_: Type) -> str:
    if type_ is Type.NULL:
        return "null"
    return f"{'an' if str(type_)[0] in 'aeiou' else 'a'} {type_}"


def _a_word(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _collection_use(dotted: str, schema: Schema) -> str:
    """What a condition can do with the collection ``dotted``, in words."""
    uses = [f"{dotted}.{name}" for name in schema.namespace_names(dotted)]
    relation = schema.relation(dotted)
    if relation is not None:
        uses.append(f"{relation.name}.Exists(...) over its {relation.item}s' columns")
    return f"use {' or '.join(uses)}"


def _suggest(name: str, candidates: Iterable[str]) -> str:
    folded = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean {folded[close[0]]}?)" if close else ""


def _dotted(node: ast.Node) -> str | None:
    if isinstance(node, ast.Identifier):
        return node.name
    if isinstance(node, ast.MemberAccess):
        head = _dotted(node.target)
        return None if head is None else f"{head}.{node.name}"
    return None


class _Checker:
    def __init__(self, source: str, schema: Schema, registry: Registry,
                 designer: bool = False, case_sensitive: bool = False) -> None:
        self.source = source
        self.schema = schema
        self.registry = registry
        self.designer = designer  # a Rule(...) condition: DESIGNER_MEMBERS apply
        self.case_sensitive = case_sensitive  # |(casesensitive)true: EXACT_METHODS apply
        self.item: Relation | None = None  # inside Contact.<relation>.Exists(...): its item

    def method(self, name: str, receiver: Type) -> MethodSpec | None:
        """The method ``name`` of a ``receiver`` value, its case-sensitive twin if asked."""
        spec = self.registry.lookup(Kind.METHOD, name, receiver)
        if spec is not None and self.case_sensitive:
            return EXACT_METHODS.get(spec.name.lower(), spec)
        return spec

    def error(self, message: str, span: ast.Span) -> ConditionError:
        return ConditionError.at_offset(message, self.source, span.start)

    def check(self, node: ast.Node) -> typed.Typed:
        if isinstance(node, ast.Literal):
            return self.literal(node)
        if isinstance(node, ast.Identifier):
            return self.identifier(node)
        if isinstance(node, ast.MemberAccess):
            return self.member(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Unary):
            return self.unary(node)
        if isinstance(node, ast.Binary):
            return self.binary(node)
        if isinstance(node, ast.Conditional):
            return self.conditional(node)
        assert isinstance(node, ast.Logical)
        return self.logical(node)

    # ------------------------------------------------------------------ names

    def literal(self, node: ast.Literal) -> typed.Typed:
        if node.kind == "int" and not -_INT64 <= node.value < _INT64:  # type: ignore[operator]
            raise self.error("integer out of range (64-bit)", node.span)
        if node.kind == "decimal" and not math.isfinite(node.value):  # type: ignore[arg-type]
            raise self.error("number out of range", node.span)
        type_ = {"int": Type.INT, "decimal": Type.DECIMAL, "string": Type.STRING,
                 "bool": Type.BOOL, "null": Type.NULL}[node.kind]
        return typed.Const(type_, node, node.value)

    def named(self, dotted: str, node: ast.Node) -> typed.Typed | None:
        if dotted.lower() in NOW_NAMES:
            return typed.Now(Type.DATETIME, node)
        canonical = self.schema.canonical(dotted)
        if canonical is None:
            return None
        if canonical in self.schema.constants:
            constant = self.schema.constants[canonical]
            return typed.Const(constant.type, node, constant.value)
        name = DESIGNER_MEMBERS.get(canonical, canonical) if self.designer else canonical
        return typed.Member(self.schema.members[canonical], node, name)

    def namespaces(self) -> set[str]:
        names = {n.split(".", 1)[0] for n in [*self.schema.members, *self.schema.constants]}
        return {n for n in names if self.schema.has_namespace(n)} | {"DateTime"}

    def identifier(self, node: ast.Identifier) -> typed.Typed:
        column = self.item.column(node.name) if self.item is not None else None
        if self.item is not None and column is not None:
            return typed.Member(self.item.columns[column], node, self.item.member(column))
        found = self.named(node.name, node)
        if found is not None:
            return found
        if node.name.lower() in {n.lower() for n in self.namespaces()}:
            raise self.error(f"'{node.name}' is not a value: use {node.name}.<name>", node.span)
        if self.item is not None:
            columns = list(self.item.columns)
            raise self.error(f"'{node.name}' is not a column of {_a_word(self.item.item)}"
                             f"{_suggest(node.name, columns)}; its columns are "
                             f"{', '.join(columns)}", node.span)
        top_level = [n for n in [*self.schema.members, *self.schema.constants] if "." not in n]
        candidates = [*top_level, *self.namespaces(), "CurrentDateTime"]
        raise self.error(f"unknown name '{node.name}'{_suggest(node.name, candidates)}",
                         node.span)

    def member(self, node: ast.MemberAccess) -> typed.Typed:
        dotted = _dotted(node)
        if dotted is not None:
            found = self.named(dotted, node)
            if found is not None:
                return found
            prefix = dotted.rsplit(".", 1)[0]
            if prefix.lower() == "datetime":
                raise self.error(f"unknown member '{node.name}'{_suggest(node.name, ['Now'])}",
                                 node.name_span)
            if self.schema.has_namespace(dotted):  # Contact.ContactGroups == null
                use = _collection_use(dotted, self.schema)
                raise self.error(f"'{dotted}' is a collection: {use}", node.name_span)
            if self.schema.has_namespace(prefix):
                names = self.schema.namespace_names(prefix)
                raise self.error(
                    f"unknown member '{node.name}'{_suggest(node.name, names)}", node.name_span
                )
        target = self.check(node.target)
        spec = self.registry.lookup(Kind.PROPERTY, node.name, target.type)
        if spec is None:
            names = self.registry.names(Kind.PROPERTY, target.type)
            raise self.error(
                f"unknown member '{node.name}' of {_a(target.type)}{_suggest(node.name, names)}",
                node.name_span,
            )
        return typed.Invoke(spec.result, node, spec, target, ())

    # ------------------------------------------------------------------ calls

    def is_contact(self, node: ast.Node | None) -> bool:
        return isinstance(node, ast.Identifier) and node.name.lower() == "contact"

    def call(self, node: ast.Call) -> typed.Typed:
        if node.target is None:
            return self.free_call(node)
        dotted = _dotted(node.target)
        relation = self.schema.relation(dotted) if dotted is not None else None
        if relation is not None:
            return self.exists(node, relation, node.args)
        if self.is_contact(node.target):
            spec = self.registry.lookup(Kind.CONTACT, node.name)
            if spec is None:
                names = [*self.registry.names(Kind.CONTACT),
                         *self.schema.namespace_names("Contact")]
                raise self.error(
                    f"unknown method '{node.name}' of Contact{_suggest(node.name, names)}",
                    node.name_span,
                )
            return self.bind(spec, node, None, node.args)
        receiver = self.check(node.target)
        spec = self.method(node.name, receiver.type)
        if spec is not None:
            return self.bind(spec, node, receiver, node.args)
        function = self.registry.lookup(Kind.FUNCTION, node.name)
        if function is not None:  # K# infix form: "7".ToInt() is ToInt("7")
            return self.bind(function, node, None, (node.target, *node.args))
        names = self.registry.names(Kind.METHOD, receiver.type)
        raise self.error(
            f"unknown method '{node.name}' of {_a(receiver.type)}{_suggest(node.name, names)}",
            node.name_span,
        )

    def free_call(self, node: ast.Call) -> typed.Typed:
        dotted = _dotted(node.args[0]) if node.args else None
        relation = self.schema.relation(dotted) if dotted is not None else None
        if relation is not None and node.name.lower() == "exists":
            return self.exists(node, relation, node.args[1:])  # prefix form: Exists(c, p)
        function = self.registry.lookup(Kind.FUNCTION, node.name)
        if function is not None:
            return self.bind(function, node, None, node.args)
        contact = self.registry.lookup(Kind.CONTACT, node.name)
        if contact is not None and node.args and self.is_contact(node.args[0]):
            return self.bind(contact, node, None, node.args[1:])  # Kentico's X(Contact, ...)
        if node.args and self.registry.lookup(Kind.METHOD, node.name) is not None:
            receiver = self.check(node.args[0])  # prefix form: Contains(x, "a")
            spec = self.method(node.name, receiver.type)
            if spec is not None:
                return self.bind(spec, node, receiver, node.args[1:])
        if contact is not None:
            raise self.error(f"'{node.name}' is a contact method: write Contact.{node.name}(...)",
                             node.name_span)
        names = [*self.registry.names(Kind.FUNCTION), *self.registry.names(Kind.METHOD)]
        raise self.error(f"unknown function '{node.name}'{_suggest(node.name, names)}",
                         node.name_span)

    def exists(self, node: ast.Call, relation: Relation, args: tuple[ast.Node, ...]
               ) -> typed.Typed:
        """``Contact.Accounts.Exists(predicate)``: the predicate sees the item's columns as
        bare names, and the contact's members and methods as everywhere (Kentico resolves
        those through the contact). One level only: a nested Exists would read two items at
        once, and a binding keeps one item in scope."""
        title = f"{relation.name}.Exists"
        if node.name.lower() != "exists":
            raise self.error(f"unknown method '{node.name}' of {relation.name}"
                             f"{_suggest(node.name, ['Exists'])}: "
                             f"{_collection_use(relation.name, self.schema)}", node.name_span)
        if self.item is not None:
            raise self.error(f"{title} cannot be used inside the condition of another "
                             "Exists: combine them with && or || outside it", node.name_span)
        if len(args) > 1:
            raise self.error(f"too many arguments: {title} takes at most 1", args[1].span)
        predicate = None
        if args:
            self.item = relation
            try:
                predicate = self.check(args[0])
            finally:
                self.item = None
            self.expect_bool(predicate, f"the condition of {title}")
        return typed.Exists(Type.BOOL, node, relation.name, predicate)

    def bind(
        self,
        spec: MethodSpec,
        node: ast.Call,
        receiver: typed.Typed | None,
        args: tuple[ast.Node, ...],
    ) -> typed.Typed:
        for index, message in spec.refused:
            if len(args) > index:
                raise self.error(message, args[index].span)
        if spec.max_args is not None and len(args) > spec.max_args:
            raise self.error(
                f"too many arguments: {spec.title} takes at most {spec.max_args}",
                args[spec.max_args].span,
            )
        if len(args) < spec.min_args:
            needed = ", ".join(p.name for p in spec.params if not p.optional and not p.variadic)
            raise self.error(
                f"{spec.title} needs {spec.min_args} argument(s) ({needed}), got {len(args)}",
                node.name_span,
            )
        checked: list[typed.Typed] = []
        for index, arg in enumerate(args):
            value = self.check(arg)
            expected = spec.param_at(index)
            if not accepts(expected.types, value.type):
                raise self.error(
                    f"argument {index + 1} ({expected.name}) of {spec.title} must be "
                    f"{describe(expected.types)}, not {value.type}",
                    arg.span,
                )
            checked.append(value)
        if spec.validate is not None:
            problem = spec.validate(tuple(constant_or_unknown(a) for a in checked), self.schema)
            if problem is not None:
                raise self.error(problem[1], args[problem[0]].span)
        return typed.Invoke(spec.result, node, spec, receiver, tuple(checked))

    # ------------------------------------------------------------------ operators

    def unary(self, node: ast.Unary) -> typed.Typed:
        operand = self.check(node.operand)
        if node.op == "!":
            self.expect_bool(operand, "'!'")
            return typed.UnaryOp(Type.BOOL, node, "!", operand)
        if operand.type not in NUMERIC | {Type.NULL}:
            raise self.error(f"'-' needs a number, not {operand.type}", node.operand.span)
        return typed.UnaryOp(operand.type, node, "-", operand)

    def expect_bool(self, operand: typed.Typed, what: str) -> None:
        if operand.type not in (Type.BOOL, Type.NULL):
            raise self.error(f"{what} needs true or false, not {_a(operand.type)}",
                             operand.node.span)

    def logical(self, node: ast.Logical) -> typed.Typed:
        operands = tuple(self.check(o) for o in node.operands)
        for operand in operands:
            self.expect_bool(operand, f"'{node.op}'")
        return typed.LogicalOp(Type.BOOL, node, node.op, operands)

    def conditional(self, node: ast.Conditional) -> typed.Typed:
        condition = self.check(node.condition)
        self.expect_bool(condition, "the condition of '? :'")
        then, otherwise = self.check(node.then), self.check(node.otherwise)
        result = unify(then.type, otherwise.type)
        if result is None:
            raise self.error(f"the branches of '? :' must have one type, not {then.type} and "
                             f"{otherwise.type}", node.otherwise.span)
        return typed.ConditionalOp(result, node, condition, then, otherwise)

    def binary(self, node: ast.Binary) -> typed.Typed:
        left, right = self.check(node.left), self.check(node.right)
        op, lt, rt = node.op, left.type, right.type
        common = unify(lt, rt)
        result: Type | None = None
        if op == "+" and Type.STRING in (lt, rt):
            if {lt, rt} <= {Type.STRING, Type.INT, Type.NULL}:
                result = Type.STRING
        elif op in ("+", "-", "*", "/"):
            if common in NUMERIC | {Type.NULL}:
                result = common
        elif op == "mod":
            if common in (Type.INT, Type.NULL):
                result = Type.INT
        elif op in ("<", "<=", ">", ">="):
            if common in (Type.INT, Type.DECIMAL, Type.STRING, Type.DATETIME, Type.NULL):
                result = Type.BOOL
        elif op in ("==", "!="):
            number_as_text = {lt, rt} == {Type.INT, Type.STRING}  # Kentico: ContactGender == "1"
            if (common is not None and common is not Type.STRING_LIST) or number_as_text:
                result = Type.BOOL
        elif op == "??":
            result = common
        if result is None:
            raise self.error(f"operator '{op}' cannot combine {lt} and {rt}", node.op_span)
        return typed.BinaryOp(result, node, op, left, right, self.case_sensitive)
