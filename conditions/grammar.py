"""Parse condition text (K# with Kentico's wrappers) into the syntax tree of ``conditions.ast``.

Two stages:

1. Unwrapping (hand-written, string-aware): ``{% … %}``, Kentico's signature parameters
   ``|(identity)…|(hash)…``, a trailing ``#`` and the designer wrapper ``Rule("<K#>", "<xml>")``,
   whose first argument is itself an escaped string. The K# left over is kept with a map from
   each of its characters back to the original text, so every position we report points into
   what the user actually typed.
2. The expression grammar (pyparsing). Each precedence level is ``operand (op operand)*``; the
   operand after an operator, the argument list after ``(`` and the name after ``.`` are
   committed with pyparsing's ``-`` so a failure there is reported where it happens ("expected
   ')' to close the argument list") instead of as an unexplained "expected end of text" at the
   start. No level re-parses its operand, so parsing is linear without packrat.

Between the stages, what K# allows around one expression is blanked out (kept as spaces, so
positions stay): ``//`` and ``/* */`` comments and a trailing ``;``.
"""

from __future__ import annotations

import bisect
import re
from contextvars import ContextVar
from dataclasses import dataclass, field

import pyparsing as pp

from conditions import ast
from conditions.errors import ConditionError
from conditions.limits import MAX_DEPTH, recursion_headroom
from conditions.values import unstorable_character


@dataclass(frozen=True)
class ParsedCondition:
    """A parsed condition: the K# expression plus what its wrappers carried."""

    expression: ast.Node
    rules_xml: str | None
    parameters: dict[str, str] = field(default_factory=dict)
    source: str = ""


# --------------------------------------------------------------------------- positions


class _SourceMap:
    """Maps offsets in the K# being parsed back to offsets, lines and columns of the source."""

    def __init__(self, source: str, text: str, offsets: list[int]) -> None:
        self.source = source
        self.text = text
        self.offsets = offsets  # len(text) + 1 entries: the last one is the end
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]

    def original(self, index: int) -> int:
        return self.offsets[max(0, min(index, len(self.offsets) - 1))]

    def span(self, start: int, end: int) -> ast.Span:
        o_start = self.original(start)
        o_end = self.original(end - 1) + 1 if end > start else o_start
        line = bisect.bisect_right(self._line_starts, o_start)
        return ast.Span(o_start, o_end, line, o_start - self._line_starts[line - 1] + 1)

    def error(self, message: str, index: int) -> ConditionError:
        return ConditionError.at_offset(message, self.source, self.original(index))


_current: ContextVar[_SourceMap] = ContextVar("_current")


def _join(first: ast.Span, last: ast.Span) -> ast.Span:
    return ast.Span(first.start, last.end, first.line, first.column)


# --------------------------------------------------------------------------- unwrapping

_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _skip_string(text: str, i: int, end: int) -> int:
    """Index just after the string literal opening at ``text[i]`` (or ``end`` if unclosed)."""
    quote = text[i]
    i += 1
    while i < end:
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return end


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_parameters(text: str, start: int, end: int) -> tuple[int, dict[str, str]]:
    """Cut trailing ``|(name)value`` macro parameters; ``|`` inside string literals is data."""
    i = start
    while i < end:
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i, end)
            continue
        if ch == "|" and text.startswith("|(", i) and (i == start or text[i - 1] != "|"):
            params = {
                m.group(1).strip().lower(): m.group(2)
                for m in re.finditer(r"\|\(([^)]*)\)((?:(?!\|\().)*)", text[i:end], re.S)
            }
            return i, params
        i += 1
    return end, {}


def _decode(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """Undo one level of string escaping, remembering where each character came from."""
    chars: list[str] = []
    offsets: list[int] = []
    i = start
    while i < end:
        if text[i] == "\\" and i + 1 < end and text[i + 1] in _ESCAPES:
            chars.append(_ESCAPES[text[i + 1]])
            offsets.append(i)
            i += 2
        else:
            chars.append(text[i])
            offsets.append(i)
            i += 1
    offsets.append(end)
    return "".join(chars), offsets


_RULE_HEAD = re.compile(r"\s*rule\s*\(\s*", re.I)
_ARG_SEPARATOR = re.compile(r'"\s*,\s*"')


def _unwrap_rule(source: str, start: int, end: int) -> tuple[int, int, str] | None:
    """For ``Rule("<K#>", "<xml>")`` return the raw span of the K# argument and the XML.

    Kentico escapes the inner quotes, but real exports also contain unescaped ones; when the
    strictly scanned first string does not end right before ``, "``, the separator is taken
    to be the last ``", "`` that introduces the rules XML.
    """
    head = _RULE_HEAD.match(source, start, end)
    if head is None:
        return None
    close = end - 1
    if close < head.end() or source[close] != ")":
        raise ConditionError.at_offset("expected ')' to close Rule(...)", source, end)
    args_start, args_end = _strip(source, head.end(), close)
    if args_start >= args_end or source[args_start] != '"' or source[args_end - 1] != '"':
        raise ConditionError.at_offset(
            'Rule(...) expects two string arguments: Rule("<condition>", "<rules>")',
            source,
            args_start,
        )
    first_end = _skip_string(source, args_start, args_end)
    separator = _ARG_SEPARATOR.match(source, first_end - 1, args_end)
    strict = (
        separator is not None
        and first_end < args_end
        and _skip_string(source, separator.end() - 1, args_end) == args_end
    )
    if not strict:
        candidates = list(_ARG_SEPARATOR.finditer(source, args_start + 1, args_end - 1))
        if not candidates:
            raise ConditionError.at_offset(
                "Rule(...) expects a second argument with the rules XML", source, args_end
            )
        xml_first = [m for m in candidates if source[m.end() :].lstrip().startswith("<")]
        separator = (xml_first or candidates)[-1]
    assert separator is not None
    xml, _ = _decode(source, separator.end(), args_end - 1)
    return args_start + 1, separator.start(), xml


def _unwrap(source: str) -> tuple[_SourceMap, str | None, dict[str, str]]:
    start, end = _strip(source, 0, len(source))
    if source.startswith("{%", start):
        if not source.endswith("%}", start + 2, end):
            raise ConditionError.at_offset("expected '%}' to close the macro", source, end)
        start, end = _strip(source, start + 2, end - 2)
    if end > start and source[end - 1] == "#":
        start, end = _strip(source, start, end - 1)
    cut, parameters = _split_parameters(source, start, end)
    start, end = _strip(source, start, cut)
    rules_xml = None
    rule = _unwrap_rule(source, start, end)
    if rule is not None:
        k_start, k_end, rules_xml = rule
        text, offsets = _decode(source, k_start, k_end)
    else:
        text, offsets = source[start:end], [*range(start, end + 1)]
    return _SourceMap(source, text, offsets), rules_xml, parameters


# --------------------------------------------------------------------------- grammar


@dataclass(frozen=True)
class _Token:
    """A terminal with its position in the K# text (pyparsing tokens carry no end)."""

    text: str
    start: int
    end: int

    @property
    def span(self) -> ast.Span:
        return _current.get().span(self.start, self.end)


@dataclass(frozen=True)
class _Suffix:
    """``.name`` or ``.name(args)`` after a primary expression."""

    name: _Token
    args: tuple[ast.Node, ...] | None
    end: int


def _token(s: str, loc: int, toks: pp.ParseResults) -> _Token:
    return _Token(toks[0], loc, loc + len(toks[0]))


def _tok(expr: pp.ParserElement, name: str) -> pp.ParserElement:
    return expr.copy().set_parse_action(_token).set_name(name)


def _decode_string(raw: str) -> str:
    if raw.startswith("@"):
        return raw[2:-1].replace('""', '"')
    out: list[str] = []
    i, body = 0, raw[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
        out.append(ch)
        i += 1
    # C# strings are UTF-16: "\ud83d\ude00" is one character, as a pair of escapes.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _string(s: str, loc: int, toks: pp.ParseResults) -> ast.Literal:
    raw = toks[0]
    value = _decode_string(raw)
    unstorable = unstorable_character(value)  # an escape such as "\u0000" or "\ud800"
    if unstorable is not None:
        raise pp.ParseFatalException(s, loc, f"the string contains {unstorable[1]}")
    return ast.Literal(_current.get().span(loc, loc + len(raw)), "string", value)


def _unterminated(s: str, loc: int, toks: pp.ParseResults) -> None:
    raise pp.ParseFatalException(s, loc, "unterminated string literal")


def _call_args(s: str, loc: int, toks: pp.ParseResults) -> list:
    *args, close = toks
    return [(tuple(args), close.end)]


def _suffix(s: str, loc: int, toks: pp.ParseResults) -> _Suffix:
    name = toks[0]
    if len(toks) > 1:
        args, end = toks[1]
        return _Suffix(name, args, end)
    return _Suffix(name, None, name.end)


def _postfix(s: str, loc: int, toks: pp.ParseResults) -> ast.Node:
    node, *suffixes = toks
    for suffix in suffixes:
        end_span = _current.get().span(suffix.end - 1, suffix.end)
        span = _join(node.span, end_span)
        if suffix.args is None:
            node = ast.MemberAccess(span, node, suffix.name.text, suffix.name.span)
        else:
            node = ast.Call(span, node, suffix.name.text, suffix.args, suffix.name.span)
    return node


_OPERATORS = {"and": "&&", "or": "||", "not": "!", "=": "=="}
"""Spellings normalised to one operator; Kentico reads a single ``=`` in a condition as
``==``."""


def _op_name(token: _Token) -> str:
    text = token.text.lower()
    return _OPERATORS.get(text, text)


def _unary(s: str, loc: int, toks: pp.ParseResults) -> ast.Node:
    op, operand = toks
    return ast.Unary(_join(op.span, operand.span), _op_name(op), operand)


_PRECEDENCE = {
    "??": 0, "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "mod": 6,
}
"""C# precedence, loosest first; ``??`` is the only right-associative operator."""


def _combine(op: _Token, left: ast.Node, right: ast.Node, chains: set[int]) -> ast.Node:
    """Build ``left op right``; ``a && b && c`` becomes one Logical node.

    Only chains built in this run are extended (``chains`` holds their ids): a parenthesized
    ``(a && b) && c`` keeps its brackets as nesting, as the rule designer's groups need.
    """
    name = _op_name(op)
    span = _join(left.span, right.span)
    if name in ("&&", "||"):
        if isinstance(left, ast.Logical) and left.op == name and id(left) in chains:
            node = ast.Logical(span, name, (*left.operands, right))
        else:
            node = ast.Logical(span, name, (left, right))
        chains.add(id(node))
        return node
    return ast.Binary(span, name, left, right, op.span)


def _conditional(s: str, loc: int, toks: pp.ParseResults) -> ast.Node:
    """``a ? b : c`` (right-associative: ``c`` may be another conditional)."""
    if len(toks) == 1:
        return toks[0]
    condition, then, otherwise = toks
    return ast.Conditional(_join(condition.span, otherwise.span), condition, then, otherwise)


def _climb(s: str, loc: int, toks: pp.ParseResults) -> ast.Node:
    """Operator precedence over the flat ``operand (op operand)*`` list (shunting-yard).

    One flat grammar level instead of one per precedence level keeps parsing fast (pyparsing
    tries and fails every operator level for every operand otherwise) and shallow.
    """
    operands: list[ast.Node] = [toks[0]]
    operators: list[_Token] = []
    chains: set[int] = set()

    def reduce() -> None:
        right, left = operands.pop(), operands.pop()
        operands.append(_combine(operators.pop(), left, right, chains))

    for i in range(1, len(toks), 2):
        op, precedence = toks[i], _PRECEDENCE[_op_name(toks[i])]
        while operators:
            top = _PRECEDENCE[_op_name(operators[-1])]
            if top > precedence or (top == precedence and _op_name(op) != "??"):
                reduce()
            else:
                break
        operators.append(op)
        operands.append(toks[i + 1])
    while operators:
        reduce()
    return operands[0]


_OPERATOR_WORDS = frozenset({"and", "or", "not", "mod"})
_WORD_LITERALS = {"true": ("bool", True), "false": ("bool", False), "null": ("null", None)}


def _number(s: str, loc: int, toks: pp.ParseResults) -> ast.Literal:
    raw = toks[0]
    span = _current.get().span(loc, loc + len(raw))
    if any(c in raw for c in ".eE"):
        return ast.Literal(span, "decimal", float(raw))
    return ast.Literal(span, "int", int(raw))


def _word(s: str, loc: int, toks: pp.ParseResults) -> _Token | ast.Literal:
    """A name, or one of the case-insensitive keywords spelled like a name."""
    raw, folded = toks[0], toks[0].lower()
    if folded in _OPERATOR_WORDS:
        raise pp.ParseException(s, loc, "a value")
    if folded in _WORD_LITERALS:
        kind, value = _WORD_LITERALS[folded]
        return ast.Literal(_current.get().span(loc, loc + len(raw)), kind, value)
    return _Token(raw, loc, loc + len(raw))


def _word_atom(s: str, loc: int, toks: pp.ParseResults) -> ast.Node:
    head = toks[0]
    if isinstance(head, ast.Literal):
        if len(toks) > 1:
            raise pp.ParseFatalException(s, head.span.start, f"'{s[loc:].split('(')[0]}' "
                                         "is a literal, not a function")
        return head
    if len(toks) == 1:
        return ast.Identifier(head.span, head.text)
    args, end = toks[1]
    return ast.Call(_current.get().span(head.start, end), None, head.text, args, head.span)


def _build_grammar() -> pp.ParserElement:
    """Atoms, postfix ``.name`` / ``.name(args)`` chains, prefix operators, and one flat
    ``operand (operator operand)*`` level resolved by precedence in ``_climb``.

    Few alternatives per token: pyparsing pays for every failed alternative, so numbers are
    one regex and keywords are recognised after matching a name.
    """
    value = pp.Forward().set_name("a value")
    number = pp.Regex(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?").set_parse_action(_number)
    string = pp.Regex(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|@"(?:[^"]|"")*"', re.S)
    string.set_parse_action(_string)
    unterminated = pp.Regex(r"[\"']").set_parse_action(_unterminated)

    close_args = _tok(pp.Literal(")"), "')' to close the argument list")
    arguments = (
        pp.Optional(value + pp.ZeroOrMore(pp.Suppress(",") - value)) + close_args
    ).set_parse_action(_call_args)
    call_args = pp.Suppress("(") - arguments

    word = pp.Regex(r"[A-Za-z_][A-Za-z0-9_]*").set_parse_action(_word).set_name("a name")
    word_atom = (word + pp.Optional(call_args)).set_parse_action(_word_atom)
    parenthesized = pp.Suppress("(") - value + pp.Suppress(
        pp.Literal(")").set_name("')' to close the parenthesis")
    )
    atom = (string | number | word_atom | parenthesized | unterminated).set_name("a value")
    member = _tok(pp.Regex(r"[A-Za-z_][A-Za-z0-9_]*"), "a member or method name after '.'")
    suffix = (pp.Suppress(".") - member + pp.Optional(call_args)).set_parse_action(_suffix)
    primary = (atom + pp.ZeroOrMore(suffix)).set_parse_action(_postfix)

    unary = pp.Forward()
    prefix = pp.Regex(r"!(?!=)|-|(?i:not)\b").set_parse_action(_token)
    unary <<= ((prefix - unary).set_parse_action(_unary) | primary).set_name("a value")

    binary = pp.Regex(r"==|!=|<=|>=|&&|\|\||\?\?|=|<|>|\*|/|\+|-|(?i:and|or|mod)\b")
    binary.set_parse_action(_token)
    operators = (unary + pp.ZeroOrMore(binary - unary)).set_parse_action(_climb)
    branches = pp.Suppress("?") - value + pp.Suppress(
        pp.Literal(":").set_name("':' of the conditional '? :'")) - value
    value <<= (operators + pp.Optional(branches)).set_parse_action(_conditional)
    return value


_GRAMMAR = _build_grammar().parse_with_tabs()  # a tab in a string literal stays a tab


# --------------------------------------------------------------------------- errors


_OPERATOR_BEFORE = re.compile(
    r"(==|!=|<=|>=|&&|\|\||\?\?|[-+*/<>!]|\b(?:and|or|not|mod))\s*$", re.I
)


def _found(text: str, loc: int) -> str:
    if loc >= len(text):
        return "the end of the condition"
    word = re.match(r"[A-Za-z_0-9]+|\S", text[loc:])
    return f"'{word.group() if word else text[loc]}'"


def _syntax_error(exc: pp.ParseBaseException, source_map: _SourceMap) -> ConditionError:
    text, loc = source_map.text, exc.loc
    message = exc.msg
    if message.startswith("Expected end of text") or message.startswith("Expected end"):
        found = _found(text, loc)
        if text[loc : loc + 1] == ")":
            message = "unexpected ')' without a matching '('"
        else:
            message = f"unexpected {found}: expected an operator or the end of the condition"
    elif message.startswith("Expected "):
        expected = message[len("Expected ") :]
        operator = _OPERATOR_BEFORE.search(text, 0, loc)
        if expected == "a value" and operator is not None:
            expected = f"a value after '{operator.group(1)}'"
        message = f"expected {expected}, found {_found(text, loc)}"
    return source_map.error(message, loc)


def _bracket_depth_error(source_map: _SourceMap) -> ConditionError | None:
    """Refuse bracket nesting beyond MAX_DEPTH before pyparsing recurses into it."""
    text, depth, i = source_map.text, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i, len(text))
            continue
        if ch == "(":
            depth += 1
            if depth > MAX_DEPTH:
                return source_map.error(
                    f"the condition is nested too deeply (more than {MAX_DEPTH} levels)", i
                )
        elif ch == ")":
            depth -= 1
        i += 1
    return None


def _depth_error(node: ast.Node, source_map: _SourceMap) -> ConditionError | None:
    stack: list[tuple[ast.Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return ConditionError.at_offset(
                f"the condition is nested too deeply (more than {MAX_DEPTH} levels)",
                source_map.source,
                current.span.start,
            )
        stack.extend((child, depth + 1) for child in children(current))
    return None


def children(node: ast.Node) -> tuple[ast.Node, ...]:
    """The direct sub-expressions of a syntax node, in source order."""
    if isinstance(node, ast.MemberAccess):
        return (node.target,)
    if isinstance(node, ast.Call):
        return node.args if node.target is None else (node.target, *node.args)
    if isinstance(node, ast.Unary):
        return (node.operand,)
    if isinstance(node, ast.Binary):
        return (node.left, node.right)
    if isinstance(node, ast.Logical):
        return node.operands
    if isinstance(node, ast.Conditional):
        return (node.condition, node.then, node.otherwise)
    return ()


# --------------------------------------------------------------------------- comments


def _blank_comments(text: str) -> str:
    """``text`` with ``//`` and ``/* */`` comments and a trailing ``;`` turned into spaces.

    String literals are skipped (``"http://x"`` is data); positions do not move. An
    unclosed ``/*`` runs to the end, as in C#.
    """
    chars, i = list(text), 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i, len(text))
            continue
        if text.startswith("//", i) or text.startswith("/*", i):
            line = text[i + 1] == "/"
            end = text.find("\n", i) if line else text.find("*/", i + 2)
            end = len(text) if end < 0 else end if line else end + 2
            for j in range(i, end):
                if chars[j] != "\n":
                    chars[j] = " "
            i = end
            continue
        i += 1
    blanked = "".join(chars)
    stripped = blanked.rstrip()
    if stripped.endswith(";"):
        cut = len(stripped) - 1
        blanked = blanked[:cut] + " " + blanked[cut + 1:]
    return blanked


# --------------------------------------------------------------------------- entry point


def parse_condition(text: str) -> ParsedCondition:
    """Parse a stored or typed condition; raise ConditionError with a position if invalid."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition is text, not {type(text).__name__}")
    unstorable = unstorable_character(text)
    if unstorable is not None:
        index, what = unstorable
        raise ConditionError.at_offset(f"the condition contains {what}", text, index)
    source_map, rules_xml, parameters = _unwrap(text)
    source_map = _SourceMap(source_map.source, _blank_comments(source_map.text),
                            source_map.offsets)
    if not source_map.text.strip():
        raise source_map.error("the condition is empty", 0)
    too_deep = _bracket_depth_error(source_map)
    if too_deep is not None:
        raise too_deep
    token = _current.set(source_map)
    try:
        with recursion_headroom():
            expression = _GRAMMAR.parse_string(source_map.text, parse_all=True)[0]
    except pp.ParseBaseException as exc:
        raise _syntax_error(exc, source_map) from None
    except RecursionError:
        raise source_map.error(
            f"the condition is nested too deeply (more than {MAX_DEPTH} levels)", 0
        ) from None
    finally:
        _current.reset(token)
    too_deep = _depth_error(expression, source_map)
    if too_deep is not None:
        raise too_deep
    return ParsedCondition(expression, rules_xml, parameters, text)
