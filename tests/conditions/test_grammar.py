"""Parsing: wrappers, literals, precedence, member chains, calls, and error positions."""

from __future__ import annotations

import pytest

from conditions import ConditionError, parse_condition
from conditions import ast as a
from conditions.render import render_node


def shape(node: a.Node) -> object:
    """A position-free form of the tree, for structural assertions."""
    if isinstance(node, a.Literal):
        return node.value
    if isinstance(node, a.Identifier):
        return node.name
    if isinstance(node, a.MemberAccess):
        return (".", shape(node.target), node.name)
    if isinstance(node, a.Call):
        target = None if node.target is None else shape(node.target)
        return ("call", target, node.name, *[shape(x) for x in node.args])
    if isinstance(node, a.Unary):
        return (node.op, shape(node.operand))
    if isinstance(node, a.Binary):
        return (node.op, shape(node.left), shape(node.right))
    assert isinstance(node, a.Logical)
    return (node.op, *[shape(x) for x in node.operands])


def parse(text: str) -> object:
    return shape(parse_condition(text).expression)


def error(text: str) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        parse_condition(text)
    return info.value


# ----------------------------------------------------------------- wrappers


def test_plain_and_braced_forms_give_the_same_tree():
    assert parse("a == 1") == parse("{% a == 1 %}") == parse("{%a == 1%}") == ("==", "a", 1)


def test_whitespace_before_closing_braces_is_accepted():
    assert parse('{% Contact.IsInPersona("x") %}') == parse('Contact.IsInPersona("x")')


def test_rule_wrapper_with_escaped_inner_quotes():
    parsed = parse_condition(
        '{%Rule("Contact.SubmittedForm(\\"ContactUs\\", ToInt(7))", '
        '"<rules><r pos=\\"0\\" par=\\"\\" op=\\"and\\" n=\\"X\\"></r></rules>")%}'
    )
    assert shape(parsed.expression) == (
        "call", "Contact", "SubmittedForm", "ContactUs", ("call", None, "ToInt", 7)
    )
    assert parsed.rules_xml == '<rules><r pos="0" par="" op="and" n="X"></r></rules>'


def test_rule_wrapper_with_unescaped_inner_quotes_is_tolerated():
    parsed = parse_condition(
        '{%Rule("Contact.AgreedWithConsent("form", "b")", '
        '"<rules><r pos="0" par="" op="and" n="C"><p n="consent"><v>form</v></p></r></rules>") %}'
    )
    assert shape(parsed.expression) == ("call", "Contact", "AgreedWithConsent", "form", "b")
    assert parsed.rules_xml.startswith('<rules><r pos="0"')
    assert parsed.rules_xml.endswith("</rules>")


def test_rule_wrapper_escapes_read_back_exactly():
    parsed = parse_condition(r'Rule("x == \"a\\\\b\\n\"", "<rules/>")')
    assert shape(parsed.expression) == ("==", "x", "a\\b\n")


def test_no_rule_wrapper_means_no_rules_xml():
    assert parse_condition("{% a %}").rules_xml is None


def test_signature_parameters_and_trailing_hash_are_stripped():
    parsed = parse_condition(
        '{%Contact.ContactEmail.Contains("@")|(identity)GlobalAdministrator|(hash)0a1b2c#%}'
    )
    assert parsed.parameters == {"identity": "GlobalAdministrator", "hash": "0a1b2c"}
    assert shape(parsed.expression) == ("call", (".", "Contact", "ContactEmail"), "Contains", "@")
    assert parse_condition("{% a #%}").parameters == {}


def test_pipes_inside_string_literals_are_data():
    parsed = parse_condition('{%CurrentDateTime.Month.EqualsAny("1|2|3".Split("|"))%}')
    assert parsed.parameters == {}
    assert shape(parsed.expression) == (
        "call", (".", "CurrentDateTime", "Month"), "EqualsAny",
        ("call", "1|2|3", "Split", "|"),
    )


def test_parameters_after_a_rule_wrapper():
    parsed = parse_condition('{%Rule("a", "<rules/>")|(user)admin|(hash)ff%}')
    assert parsed.rules_xml == "<rules/>"
    assert parsed.parameters == {"user": "admin", "hash": "ff"}


def test_or_operator_followed_by_parenthesis_is_not_a_parameter():
    assert parse("a ||(b)") == ("||", "a", "b")


def test_source_is_the_text_given():
    text = "{% a %}"
    assert parse_condition(text).source == text


# ----------------------------------------------------------------- literals


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("0", 0), ("3.25", 3.25), ("1.5e3", 1500.0), ("2E-1", 0.2),
    ('"plain"', "plain"), ('"tab\\tquote\\"back\\\\"', 'tab\tquote"back\\'),
    ("'single'", "single"), ('"\\u00e9"', "é"), ('@"C:\\dir ""x"""', 'C:\\dir "x"'),
    ("true", True), ("FALSE", False), ("null", None), ("NULL", None),
])
def test_literals(text, value):
    node = parse_condition(text).expression
    assert isinstance(node, a.Literal)
    assert node.value == value
    assert type(node.value) is type(value)


# ----------------------------------------------------------------- operators


@pytest.mark.parametrize(("text", "tree"), [
    ("a || b && c", ("||", "a", ("&&", "b", "c"))),
    ("a && b || c", ("||", ("&&", "a", "b"), "c")),
    ("a or b and not c", ("||", "a", ("&&", "b", ("!", "c")))),
    ("A AND B OR C", ("||", ("&&", "A", "B"), "C")),
    ("!a == b", ("==", ("!", "a"), "b")),
    ("a == b != c", ("!=", ("==", "a", "b"), "c")),
    ("a < b == c >= d", ("==", ("<", "a", "b"), (">=", "c", "d"))),
    ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
    ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
    ("7 MOD 3 / 2", ("/", ("mod", 7, 3), 2)),
    ("-a * b", ("*", ("-", "a"), "b")),
    ("a - -1", ("-", "a", ("-", 1))),
    ("a ?? b ?? c", ("??", "a", ("??", "b", "c"))),
    ("a || b ?? c", ("??", ("||", "a", "b"), "c")),
    ("(a || b) && c", ("&&", ("||", "a", "b"), "c")),
    ("a && b && c", ("&&", "a", "b", "c")),
    ("(a && b) && c", ("&&", ("&&", "a", "b"), "c")),
    ("!(a)", ("!", "a")),
    ("a != b", ("!=", "a", "b")),
])
def test_precedence(text, tree):
    assert parse(text) == tree


def test_keyword_prefixed_names_are_names():
    assert parse("order == android") == ("==", "order", "android")


# ----------------------------------------------------------------- members and calls


def test_member_chains_and_calls():
    assert parse("Contact.ContactEmail") == (".", "Contact", "ContactEmail")
    assert parse("DateTime.Now") == (".", "DateTime", "Now")
    assert parse("CurrentDateTime") == "CurrentDateTime"
    assert parse("Gender.Male") == (".", "Gender", "Male")
    assert parse("ToInt(7)") == ("call", None, "ToInt", 7)
    assert parse("f()") == ("call", None, "f")
    assert parse('"a".ToUpper().Contains("A")') == (
        "call", ("call", "a", "ToUpper"), "Contains", "A"
    )
    assert parse("5.ToString()") == ("call", 5, "ToString")
    assert parse("(a).b") == (".", "a", "b")
    assert parse('Contact.DidActivity(null, null, ToInt(5))') == (
        "call", "Contact", "DidActivity", None, None, ("call", None, "ToInt", 5)
    )


def test_positions_point_into_the_original_text():
    node = parse_condition("{%\n  Contact.ContactEmail == 1%}").expression
    assert isinstance(node, a.Binary)
    member = node.left
    assert isinstance(member, a.MemberAccess)
    assert (member.name_span.line, member.name_span.column) == (2, 11)
    assert (node.op_span.line, node.op_span.column) == (2, 24)


def test_positions_inside_a_rule_wrapper_point_at_the_escaped_text():
    text = 'Rule("a == \\"x\\" && Contact.B", "<rules/>")'
    node = parse_condition(text).expression
    assert isinstance(node, a.Logical)
    assert text[node.operands[1].span.start :].startswith("Contact.B")


def test_render_reads_back_to_the_same_tree():
    for text in ["a || b && c", "(a || b) && !c", "1 - (2 - 3)", "(a ?? b) ?? c",
                 '"x\\"y".Contains(ToLower("Q"))', "-(1 + 2) * 3", "a.b.c(1, null, true)"]:
        assert parse(render_node(parse_condition(text).expression)) == parse(text)


# ----------------------------------------------------------------- errors


def test_missing_closing_parenthesis_of_arguments():
    err = error("ToInt(7")
    assert "expected ')' to close the argument list" in err.message
    assert (err.line, err.column) == (1, 8)
    assert str(err).startswith("line 1, column 8: ")
    assert err.caret == "ToInt(7\n       ^"


def test_missing_operand_after_operator():
    err = error("{% Contact.ContactAge >= %}")
    assert err.message.startswith("expected a value after '>='")
    assert err.column == 25  # just after the operator


def test_missing_closing_parenthesis():
    err = error("(a || b")
    assert "expected ')' to close the parenthesis" in err.message


def test_unbalanced_closing_parenthesis():
    err = error("a)")
    assert err.message == "unexpected ')' without a matching '('"
    assert err.column == 2


def test_missing_member_name_after_dot():
    err = error("Contact. == 1")
    assert "expected a member or method name after '.'" in err.message
    assert err.column == 10


def test_two_values_without_operator():
    err = error('Contact.ContactEmail Contains("@")')
    assert err.message.startswith("unexpected 'Contains'")
    assert err.column == 22


def test_unterminated_string():
    err = error('a == "abc')
    assert (err.message, err.column) == ("unterminated string literal", 6)


def test_error_on_a_later_line_has_its_own_caret():
    err = error("a &&\n\tb ==")
    assert (err.line, err.column) == (2, 6)
    assert err.caret == "\tb ==\n\t    ^"


@pytest.mark.parametrize("text", ["", "   ", "{% %}", "{%  #%}", "{%|(hash)x%}"])
def test_empty_conditions(text):
    assert error(text).message == "the condition is empty"


def test_unclosed_macro_braces():
    assert error("{% a == 1").message == "expected '%}' to close the macro"


def test_rule_without_xml_argument():
    assert "second argument" in error('Rule("a")').message


def test_non_text_input_is_a_condition_error():
    with pytest.raises(ConditionError):
        parse_condition(None)  # type: ignore[arg-type]


def test_a_nul_character_is_refused_at_its_position():
    with pytest.raises(ConditionError, match="NUL character") as caught:
        parse_condition('Contact.ContactCity == "a\x00b"')
    assert (caught.value.line, caught.value.column) == (1, 26)


def test_a_byte_that_was_not_utf8_is_refused_at_its_position():
    """``contact-groups condition check $'...\\xff'``: Python hands us a lone surrogate."""
    with pytest.raises(ConditionError, match="not valid UTF-8") as caught:
        parse_condition('Contact.ContactCity == "ab\udcff"')
    assert (caught.value.line, caught.value.column) == (1, 27)
