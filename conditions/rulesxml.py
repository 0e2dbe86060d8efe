"""The designer's storage formats: Kentico's rules XML and the ``{%Rule(...)%}`` wrapper.

Kentico stores a designer condition as ``{%Rule("<K#>", "<rules>…</rules>")%}``: the K# is what
gets evaluated, the XML lets the designer (and the group list) show the sentences again. The XML
is flat: every ``<r>`` names its parent bracket group by position path (``par="2.0"``) and its own
position among siblings (``pos``), and carries its parameters as ``<p>`` elements.

The XML arrives from admins and Kentico exports, so it is untrusted: it is size-bounded, parsed
without DTDs or entities, checked element by element, and every defect is a ConditionError that
says which item is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from conditions import ast
from conditions.errors import ConditionError
from conditions.grammar import ParsedCondition, parse_condition
from conditions.render import render_node
from conditions.rules import (
    Group,
    Node,
    Op,
    RuleDef,
    RuleInstance,
    UnknownRule,
    get_rule,
    kentico_string,
    to_kentico,
    to_text,
    validate_text,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_RULES_XML_BYTES",
    "Description",
    "describe_stored",
    "display_text",
    "from_stored",
    "from_xml",
    "to_stored",
    "to_xml",
]

MAX_RULES_XML_BYTES = 256 * 1024
"""Largest rules XML accepted (and written): far above any hand-built condition."""

MAX_DEPTH = 32
"""Deepest nesting of bracket groups accepted (and written)."""

_XML_ESCAPES = str.maketrans(
    # A carriage return is written as a reference: XML parsers turn a literal one into "\n".
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"}
)
_PARAMETER_FIELDS = frozenset({"t", "v", "r", "d", "vt", "tv"})
_DIGITS = re.compile(r"[0-9]{1,6}")
_Path = tuple[int, ...]


def _escape(value: str) -> str:
    return value.translate(_XML_ESCAPES)


def _label(path: _Path) -> str:
    return ".".join(map(str, path))


# --- writing -------------------------------------------------------------------------------


def to_xml(root: Node) -> str:
    """The rules XML of a designer tree, in the layout Kentico's designer writes.

    ConditionError if a parameter is invalid or the tree exceeds the limits the reader enforces,
    so that everything written can be read back.
    """
    group = root if isinstance(root, Group) else Group((root,))
    parts = ["<rules>"]
    _write_children(group, (), parts)
    parts.append("</rules>")
    xml = "".join(parts)
    if len(xml.encode("utf-8")) > MAX_RULES_XML_BYTES:
        raise ConditionError(
            f"The condition is too large to store (over {MAX_RULES_XML_BYTES // 1024} kB)"
        )
    return xml


def _write_children(group: Group, path: _Path, parts: list[str]) -> None:
    if len(path) >= MAX_DEPTH:
        raise ConditionError(f"Bracket groups are nested deeper than {MAX_DEPTH} levels")
    for pos, child in enumerate(group.children):
        # Kentico gives the first item the operator of the next one; readers ignore it.
        op = group.ops[pos - 1] if pos else (group.ops[0] if group.ops else Op.AND)
        head = f'pos="{pos}" par="{_label(path)}" op="{op.value}"'
        if isinstance(child, Group):
            parts.append(f"<r {head} />")
            _write_children(child, (*path, pos), parts)
        else:
            _write_rule(child, head, parts)


def _write_rule(instance: RuleInstance, head: str, parts: list[str]) -> None:
    rule = instance.definition
    values = rule.checked_values(instance.values)
    texts = {}
    for name, text in instance.texts.items():
        param = rule.parameter(name)
        validate_text(text, f"The text of parameter '{param.name}' of rule '{rule.code_name}'")
        texts[param.name] = text
    parts.append(f'<r {head} n="{_escape(rule.code_name)}" >')
    for param in rule.parameters:
        value, text = values[param.name], texts.get(param.name)
        # tv=1 tells Kentico the shown text is the value itself (typed, not picked from a list).
        from_value = not text and not param.choices
        parts.append(
            f'<p n="{_escape(param.name)}"><t>{_escape(param.stored_text(value, text))}</t>'
            f"<v>{_escape(value)}</v><r>{int(param.required)}</r>"
            f"<d>{_escape(param.caption)}</d><vt>{param.value_type.value}</vt>"
            f"<tv>{int(from_value)}</tv></p>"
        )
    parts.append("</r>")


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Item:
    """One ``<r>`` element before the tree is assembled."""

    pos: int
    op: Op
    rule: RuleInstance | None  # None for a bracket group
    children: list[_Item] = field(default_factory=list)


def from_xml(xml: str) -> Group:
    """The designer tree stored in a rules XML; ConditionError for anything not well-formed."""
    root = _parse(xml)
    items: dict[_Path, _Item] = {(): _Item(0, Op.AND, None)}
    placed: list[tuple[_Path, _Path]] = []
    for element in _children(root, "rules", frozenset({"r"})):
        path, parent = _read_path(element)
        if path in items:
            raise ConditionError(f"Rules XML: two items at position {_label(path)}")
        items[path] = _read_item(element, path)
        placed.append((path, parent))
    for path, parent in placed:
        owner = items.get(parent)
        if owner is None:
            raise ConditionError(
                f"Rules XML: item {_label(path)} refers to a missing bracket group "
                f"'{_label(parent)}'"
            )
        if owner.rule is not None:
            raise ConditionError(
                f"Rules XML: item {_label(path)} is placed inside rule {_label(parent)}, "
                "which is not a bracket group"
            )
        owner.children.append(items[path])
    if not items[()].children:
        raise ConditionError("Rules XML holds no rules")
    return _assemble(items[()], ())


def _parse(xml: str) -> Element:
    if len(xml) > MAX_RULES_XML_BYTES:
        raise ConditionError(f"Rules XML is larger than {MAX_RULES_XML_BYTES // 1024} kB")
    try:
        size = len(xml.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise ConditionError("Rules XML contains characters that are not valid text") from error
    if size > MAX_RULES_XML_BYTES:
        raise ConditionError(f"Rules XML is larger than {MAX_RULES_XML_BYTES // 1024} kB")
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ConditionError(
            "Rules XML may not contain a DTD, entity declarations or external references"
        ) from error
    except (ParseError, ValueError) as error:
        raise ConditionError(f"Rules XML is malformed: {error}") from error
    if root.tag != "rules":
        raise ConditionError(f"Rules XML must start with <rules>, not <{root.tag}>")
    return root


def _children(element: Element, where: str, allowed: frozenset[str]) -> Iterator[Element]:
    """The child elements, refusing unknown ones and text between them."""
    if (element.text or "").strip():
        raise ConditionError(f"Rules XML: unexpected text in {where}")
    for child in element:
        if child.tag not in allowed:
            raise ConditionError(f"Rules XML: unexpected <{child.tag}> in {where}")
        if (child.tail or "").strip():
            raise ConditionError(f"Rules XML: unexpected text after <{child.tag}> in {where}")
        yield child


def _read_path(element: Element) -> tuple[_Path, _Path]:
    pos = element.get("pos", "")
    par = element.get("par", "")
    if not _DIGITS.fullmatch(pos):
        raise ConditionError(f"Rules XML: <r> has an invalid position pos={pos!r}")
    steps = par.split(".") if par else []
    if not all(_DIGITS.fullmatch(step) for step in steps):
        raise ConditionError(f"Rules XML: <r> has an invalid parent path par={par!r}")
    parent = tuple(int(step) for step in steps)
    path = (*parent, int(pos))
    if len(path) > MAX_DEPTH:
        raise ConditionError(f"Rules XML: bracket groups are nested deeper than {MAX_DEPTH} levels")
    return path, parent


def _read_item(element: Element, path: _Path) -> _Item:
    where = f"item {_label(path)}"
    op = element.get("op", "and")
    if op not in ("and", "or"):
        raise ConditionError(f"Rules XML: {where} has operator {op!r}; expected 'and' or 'or'")
    unknown = set(element.attrib) - {"pos", "par", "op", "n"}
    if unknown:
        raise ConditionError(f"Rules XML: {where} has unknown attribute(s) {sorted(unknown)}")
    params = list(_children(element, where, frozenset({"p"})))
    code_name = element.get("n", "")
    if not code_name:
        if params:
            raise ConditionError(f"Rules XML: bracket group {_label(path)} cannot have parameters")
        return _Item(path[-1], Op(op), None)
    try:
        rule = get_rule(code_name)
        instance = _read_rule(rule, params, where)
    except ConditionError as error:
        raise type(error)(f"Rules XML: {where}: {error.message}") from error
    return _Item(path[-1], Op(op), instance)


def _read_rule(rule: RuleDef, params: list[Element], where: str) -> RuleInstance:
    raw: dict[str, tuple[str, str]] = {}
    for element in params:
        param = rule.parameter(element.get("n", ""))
        if param.name in raw:
            raise ConditionError(f"parameter '{param.name}' is given twice")
        fields: dict[str, str] = {}
        for child in _children(element, f"parameter '{param.name}'", _PARAMETER_FIELDS):
            if len(child):
                raise ConditionError(f"unexpected element inside <{child.tag}>")
            if child.tag in fields:
                raise ConditionError(f"parameter '{param.name}' has two <{child.tag}>")
            fields[child.tag] = child.text or ""
        if "v" not in fields:
            raise ConditionError(f"parameter '{param.name}' has no value <v>")
        raw[param.name] = (fields["v"], fields.get("t", ""))
    values = rule.checked_values({name: value for name, (value, _) in raw.items()})
    texts = {}
    for name, (_, text) in raw.items():
        param = rule.parameter(name)
        # "#caption" is Kentico's marker for a text never chosen; a text equal to what the
        # value would show anyway carries no information.
        if text and not text.startswith("#") and text != param.stored_text(values[name], None):
            texts[name] = text
    return RuleInstance(rule.code_name, values, texts)


def _assemble(item: _Item, path: _Path) -> Group:
    if not item.children:
        raise ConditionError(f"Rules XML: bracket group {_label(path)} holds no rules")
    ordered = sorted(item.children, key=lambda child: child.pos)
    nodes: list[Node] = [
        child.rule if child.rule is not None else _assemble(child, (*path, child.pos))
        for child in ordered
    ]
    return Group(tuple(nodes), tuple(child.op for child in ordered[1:]))


# --- stored text ---------------------------------------------------------------------------


def to_stored(root: Node) -> str:
    """The stored form of a designer tree: ``{%Rule("<K#>", "<rules>…</rules>")%}``."""
    return f"{{%Rule({kentico_string(to_kentico(root))}, {kentico_string(to_xml(root))})%}}"


def from_stored(stored: str) -> Group | None:
    """The designer tree of a stored condition, or None for hand-written K# (no Rule wrapper)."""
    rules_xml = parse_condition(stored).rules_xml
    return None if rules_xml is None else _from_stored_xml(rules_xml, stored)


def _from_stored_xml(rules_xml: str, stored: str) -> Group:
    """``from_xml``, with errors pointing at the XML argument inside the stored text."""
    try:
        return from_xml(rules_xml)
    except ConditionError as error:
        offset = max(stored.find("<rules"), 0)
        raise type(error).at_offset(error.message, stored, offset) from error


@dataclass(frozen=True)
class Description:
    """How a stored condition reads, and what an admin should know about that reading."""

    text: str
    warnings: tuple[str, ...] = ()


def describe_stored(stored: str) -> Description:
    """The designer's sentences, or the K# itself if hand-written or if a rule is not in the
    catalogue (a custom rule of a Kentico site: its K# is what is evaluated anyway); a
    warning when the sentences say something else than the K# (the XML says "male", the K#
    tests female).

    ConditionError if the condition does not parse or its rules XML is broken.
    """
    return describe_parsed(parse_condition(stored))


def describe_parsed(parsed: ParsedCondition) -> Description:
    """:func:`describe_stored` for a condition already parsed (a check keeps its parse)."""
    stored = parsed.source
    if parsed.rules_xml is None:
        return Description(_bare_kentico(parsed.source))
    try:
        tree = _from_stored_xml(parsed.rules_xml, stored)
    except UnknownRule as error:
        return Description(render_node(parsed.expression), (
            f"{error.message.removeprefix('Rules XML: ')}: the condition is shown and "
            "evaluated as its K#",))
    if not _matches(_expected_shape(tree), _shape(parsed.expression)):
        return Description(to_text(tree), (
            "the rules' text does not match the condition's K#, which is what is evaluated: "
            + render_node(parsed.expression),))
    return Description(to_text(tree))


def display_text(stored: str) -> str:
    """What the group list shows (see ``describe_stored``)."""
    return describe_stored(stored).text


def _shape(node: object) -> object:
    """A syntax node without positions, names folded (K# ignores their case)."""
    if isinstance(node, ast.Node):
        return (type(node).__name__, *(
            _name(f.name, _shape(getattr(node, f.name)))
            for f in fields(node) if not f.name.endswith("span")))
    if isinstance(node, tuple):
        return tuple(_shape(item) for item in node)
    return node


def _name(field_name: str, value: object) -> object:
    return value.lower() if field_name == "name" and isinstance(value, str) else value


def _expected_shape(node: Node) -> object:
    """What the K# of a designer tree parses to: runs joined by "and" first, then "or"
    between them; each rule any of the K# forms Kentico writes for it (a frozenset)."""
    if isinstance(node, RuleInstance):
        forms = node.definition.kentico_forms(node.values)
        return frozenset(_shape(parse_condition(form).expression) for form in forms)
    runs: list[list[object]] = [[_expected_shape(node.children[0])]]
    for op, child in zip(node.ops, node.children[1:], strict=True):
        if op is Op.OR:
            runs.append([])
        runs[-1].append(_expected_shape(child))
    terms = [run[0] if len(run) == 1 else ("Logical", "&&", tuple(run)) for run in runs]
    return terms[0] if len(terms) == 1 else ("Logical", "||", tuple(terms))


def _matches(expected: object, actual: object) -> bool:
    if isinstance(expected, frozenset):
        return actual in expected
    if isinstance(expected, tuple) and isinstance(actual, tuple) and len(expected) == 3 \
            and expected[0] == "Logical":
        return (actual[:2] == expected[:2] and len(actual[2]) == len(expected[2])  # type: ignore[arg-type]
                and all(_matches(e, a) for e, a in zip(expected[2], actual[2], strict=True)))  # type: ignore[arg-type]
    return False


def _bare_kentico(source: str) -> str:
    """The K# of a parsed hand-written condition without ``{% %}``, ``#`` and ``|(name)value``.

    Signature parameters are noise to an admin. They start at the first ``|(`` outside string
    literals that is not the second bar of ``||``.
    """
    text = source.strip()
    if text.startswith("{%") and text.endswith("%}"):
        text = text[2:-2].strip()
    text = text.removesuffix("#").rstrip()
    i = 0
    while i < len(text):
        if text[i] in "\"'":
            quote, i = text[i], i + 1
            while i < len(text) and text[i] != quote:
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("|(", i) and (i == 0 or text[i - 1] != "|"):
            return text[:i].rstrip().removesuffix("#").rstrip()
        i += 1
    return text
