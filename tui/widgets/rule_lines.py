"""The rule designer's model: numbered lines joined by and/or, with brackets, without Textual.

The designer shows a condition as one line per rule ("or Contact is male"), as Kentico's
designer does. Brackets group lines, ``(A or B) and C``: a line records how many brackets open
before it and close after it, so the lines are the tree read left to right, every rule stays
editable whatever bracket it sits in, and bracketing or unbracketing changes no rule and no
and/or, only how they group. Kentico evaluates ``and`` before ``or``, so the brackets are what
lets an admin say "either of these two, and that".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from conditions.errors import ConditionError
from conditions.rules import RULES, Group, Node, Op, ParameterDef, RuleDef, RuleInstance

NEGATIONS = ("_perfectum", "_is", "_has")

_Pair = tuple[int, int]
"""A bracket: the index of the line it opens before and of the line it closes after."""


@dataclass(frozen=True)
class Line:
    """One designer line: a rule, the and/or joining it to what comes before (ignored on
    the first line), and the brackets that open before it and close after it."""

    rule: RuleInstance
    op: Op = Op.AND
    opens: int = 0
    closes: int = 0

    def text(self) -> str:
        """The rule's sentence, without brackets."""
        return self.rule.definition.text(self.rule.values, self.rule.texts)


def lines_of(tree: Group) -> list[Line]:
    """The designer lines of a stored tree; its root group shows no brackets."""
    lines: list[Line] = []
    for child, op in zip(tree.children, (Op.AND, *tree.ops), strict=True):
        _flatten(child, op, 0, lines)
    return lines


def _flatten(node: Node, op: Op, opens: int, lines: list[Line]) -> None:
    """Append ``node``'s lines; ``op`` joins it to the item before it, which is the first
    line's and/or whatever brackets open there."""
    if isinstance(node, RuleInstance):
        lines.append(Line(node, op, opens))
        return
    for index, (child, child_op) in enumerate(zip(node.children, (op, *node.ops), strict=True)):
        _flatten(child, child_op, opens + 1 if index == 0 else 0, lines)
    lines[-1] = replace(lines[-1], closes=lines[-1].closes + 1)


@dataclass
class _Open:
    """A bracket group being read: its items so far and the and/or that joins it."""

    joint: Op
    children: list[Node] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)

    def add(self, node: Node, op: Op) -> None:
        if self.children:
            self.ops.append(op)
        self.children.append(node)

    def group(self) -> Group:
        return Group(tuple(self.children), tuple(self.ops))


def tree_of(lines: Sequence[Line]) -> Group:
    """The tree the lines stand for; ConditionError when there are none."""
    if not lines:
        raise ConditionError("Add at least one rule, or cancel")
    stack = [_Open(Op.AND)]
    for line in lines:
        joint = line.op
        for _ in range(line.opens):
            # The line's and/or joins the outermost bracket opened here to what precedes it.
            stack.append(_Open(joint))
        stack[-1].add(line.rule, joint)
        for _ in range(line.closes):
            done = stack.pop()
            stack[-1].add(done.group(), done.joint)
    return stack[0].group()


def brackets(lines: Sequence[Line]) -> list[_Pair]:
    """Every bracket as (first line, last line), inner ones of a line before outer ones."""
    pairs: list[_Pair] = []
    opened: list[int] = []
    for index, line in enumerate(lines):
        opened.extend([index] * line.opens)
        pairs.extend((opened.pop(), index) for _ in range(line.closes))
    return pairs


def _with_brackets(lines: Sequence[Line], pairs: Sequence[_Pair]) -> list[Line]:
    opens, closes = [0] * len(lines), [0] * len(lines)
    for first, last in pairs:
        opens[first] += 1
        closes[last] += 1
    return [replace(line, opens=opens[i], closes=closes[i]) for i, line in enumerate(lines)]


def bracketed(lines: Sequence[Line], first: int, last: int) -> list[Line]:
    """The lines with lines ``first``..``last`` in a new bracket; ConditionError when the
    range is one line, is bracketed already, or would cut through another bracket."""
    if last <= first:
        raise ConditionError("Mark two or more adjacent lines (space) to bracket them")
    pairs = brackets(lines)
    if (first, last) in pairs:
        raise ConditionError(f"Lines {first + 1}-{last + 1} are in brackets already")
    for start, end in pairs:
        if start < first <= end < last or first < start <= last < end:
            raise ConditionError(
                f"Lines {first + 1}-{last + 1} would cut through the bracket around lines "
                f"{start + 1}-{end + 1}")
    return _with_brackets(lines, [*pairs, (first, last)])


def unbracketed(lines: Sequence[Line], first: int, last: int) -> list[Line]:
    """The lines without the innermost bracket around lines ``first``..``last``;
    ConditionError when no bracket holds them all."""
    pairs = brackets(lines)
    around = [pair for pair in pairs if pair[0] <= first and last <= pair[1]]
    if not around:
        which = f"Line {first + 1} is" if first == last else f"Lines {first + 1}-{last + 1} are"
        raise ConditionError(f"{which} not in brackets")
    pairs.remove(min(around, key=lambda pair: pair[1] - pair[0]))
    return _with_brackets(lines, pairs)


def without(lines: Sequence[Line], index: int) -> list[Line]:
    """The lines with one deleted. A bracket around that line alone goes with it; one that
    started or ended there now starts at the next line (taking over the deleted line's
    and/or, which joined the bracket) or ends at the previous one."""
    pairs = []
    opened_here = False
    for first, last in brackets(lines):
        if first == last == index:
            continue
        opened_here = opened_here or first == index
        pairs.append((first - (first > index), last - (last >= index)))
    kept = [line for i, line in enumerate(lines) if i != index]
    if opened_here:
        kept[index] = replace(kept[index], op=lines[index].op)
    return _with_brackets(kept, pairs)


def bracketed_texts(lines: Sequence[Line]) -> list[str]:
    """Each line's sentence with its brackets, indented one column per enclosing bracket
    so that the sentences of a bracket line up under its opening "(". """
    texts, depth = [], 0
    for line in lines:
        texts.append(" " * depth + "(" * line.opens + line.text() + ")" * line.closes)
        depth += line.opens - line.closes
    return texts


def first_invalid(lines: Sequence[Line]) -> tuple[int, ConditionError] | None:
    """The first line whose parameters the catalogue refuses, with the reason."""
    for index, line in enumerate(lines):
        try:
            line.rule.definition.checked_values(line.rule.values)
        except ConditionError as error:
            return index, error
    return None


def with_value(line: Line, name: str, value: str) -> Line:
    """The line with one parameter changed; the caption Kentico kept for it no longer
    describes the new value, so it goes."""
    rule = line.rule
    texts = {key: text for key, text in rule.texts.items() if key != name}
    return replace(line, rule=RuleInstance(rule.rule, {**rule.values, name: value}, texts))


def negation_parameter(rule: RuleDef) -> ParameterDef | None:
    """The has/has not, is/is not parameter that negates the rule, if it has one."""
    for param in rule.parameters:
        if param.name in NEGATIONS:
            return param
    return None


def negated(line: Line) -> Line:
    """The line with its rule's negation flipped; ConditionError when it cannot be."""
    definition = line.rule.definition
    param = negation_parameter(definition)
    if param is None:
        raise ConditionError(
            f"'{definition.display_name}' has no negation; choose the opposite operator"
        )
    current = line.rule.values.get(param.name, param.default)
    return with_value(line, param.name, "" if current == "!" else "!")


def toggled_op(line: Line) -> Line:
    return replace(line, op=Op.OR if line.op is Op.AND else Op.AND)


def matching_rules(query: str) -> list[RuleDef]:
    """Catalogue rules in whose display name or sentence every word of ``query`` starts a
    word ("male" finds "is male", not "is female")."""
    wanted = query.lower().split()

    def matches(rule: RuleDef) -> bool:
        words = re.findall(r"\w+", f"{rule.display_name} {rule.user_text}".lower())
        return all(any(word.startswith(part) for word in words) for part in wanted)

    return [rule for rule in RULES if matches(rule)]


def parameter_label(param: ParameterDef) -> str:
    """What the designer writes before a parameter's field: its choices or its caption."""
    if param.name.startswith("_"):
        return " / ".join(choice.text for choice in param.choices)
    return param.caption.removeprefix("enter ").removeprefix("select ")
