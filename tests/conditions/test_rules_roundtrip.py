"""Designer trees survive tree -> XML -> tree and tree -> stored text -> tree unchanged.

Trees are generated from the whole catalogue with hostile free-text values: quotes, backslashes,
markup, ``%}``, separators, line breaks and non-ASCII text.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from conditions.rules import RULES, Group, Node, Op, ParameterDef, RuleInstance, ValueType, to_text
from conditions.rulesxml import display_text, from_stored, from_xml, to_stored, to_xml

HOSTILE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(
    [*"\"\\<>&%{}\n\r\t;'#|", "%}", "]]>", "\u00e9", "\u4e2d", "\U0001f600"]
)


def hostile_text(min_size: int) -> st.SearchStrategy[str]:
    return st.lists(HOSTILE, min_size=min_size, max_size=12).map("".join)


def value_for(param: ParameterDef) -> st.SearchStrategy[str]:
    if param.choices:
        return st.sampled_from([choice.value for choice in param.choices])
    if param.value_type is ValueType.INTEGER:
        return st.integers(0, 999_999_999).map(str)
    if param.shape is not None:
        return st.sampled_from(param.shape.examples)
    return hostile_text(1 if param.required else 0)


@st.composite
def instances(draw: st.DrawFn) -> RuleInstance:
    rule = draw(st.sampled_from(RULES))
    values = {param.name: draw(value_for(param)) for param in rule.parameters}
    texts = {}
    for param in rule.parameters:
        if not param.choices and param.value_type is ValueType.TEXT and draw(st.booleans()):
            text = draw(hostile_text(1))
            if not text.startswith("#") and text != values[param.name]:
                texts[param.name] = text
    return RuleInstance(rule.code_name, values, texts)


def grouped(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Group]:
    def join(items: list[Node]) -> st.SearchStrategy[Group]:
        ops = st.lists(st.sampled_from(Op), min_size=len(items) - 1, max_size=len(items) - 1)
        return ops.map(lambda joints: Group(tuple(items), tuple(joints)))

    return st.lists(children, min_size=1, max_size=4).flatmap(join)


trees = st.recursive(instances(), grouped, max_leaves=10).map(
    lambda node: node if isinstance(node, Group) else Group((node,))
)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_tree_xml_tree(tree):
    assert from_xml(to_xml(tree)) == tree


@settings(max_examples=100, deadline=None)
@given(trees)
def test_tree_stored_tree(tree):
    stored = to_stored(tree)
    assert from_stored(stored) == tree
    assert display_text(stored) == to_text(tree)
