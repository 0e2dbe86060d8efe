"""Designer output is valid K#: it parses, type-checks against Kentico's contact vocabulary,
and its and/or structure is the one the designer shows. Also: display of stored conditions."""

from dataclasses import fields

import pytest
from hypothesis import given, settings

from conditions import CONTACT_SCHEMA, Type, ast, check, default_registry, parse_condition
from conditions.errors import ConditionError
from conditions.rules import RULES, Group, Node, Op, RuleInstance, to_kentico
from conditions.rulesxml import Description, describe_stored, display_text, from_stored, to_stored

from .test_rules import CASES
from .test_rules_roundtrip import trees

REGISTRY = default_registry()


@pytest.mark.parametrize(("code_name", "values", "text", "kentico"), CASES)
def test_every_catalogue_rule_parses_and_type_checks(code_name, values, text, kentico):
    instance = RuleInstance(code_name, values)
    schema = CONTACT_SCHEMA.with_contact_fields({"Industry": Type.STRING})  # a custom field
    check(to_kentico(instance), schema, REGISTRY)
    check(to_stored(Group((instance,))), schema, REGISTRY)


def test_a_new_instance_with_defaults_filled_in_type_checks():
    samples = {"integer": "5", "text": "x"}
    for rule in RULES:
        values = {
            p.name: p.default or (p.choices[0].value if p.choices else
                                  p.shape.examples[0] if p.shape else samples[p.value_type])
            for p in rule.parameters
        }
        check(to_kentico(RuleInstance(rule.code_name, values)), CONTACT_SCHEMA, REGISTRY)


def shape(node: object) -> object:
    """A syntax node without its source positions, for structural comparison."""
    if isinstance(node, ast.Node):
        return (
            type(node).__name__,
            *(shape(getattr(node, f.name)) for f in fields(node) if not f.name.endswith("span")),
        )
    if isinstance(node, tuple):
        return tuple(shape(item) for item in node)
    return node


def designer_shape(node: Node) -> object:
    """The structure the designer means: runs of "and" first, then "or" between the runs."""
    if isinstance(node, RuleInstance):
        return shape(parse_condition(to_kentico(node)).expression)
    runs = [[designer_shape(node.children[0])]]
    for op, child in zip(node.ops, node.children[1:], strict=True):
        if op is Op.OR:
            runs.append([])
        runs[-1].append(designer_shape(child))
    terms = [run[0] if len(run) == 1 else ("Logical", "&&", tuple(run)) for run in runs]
    return terms[0] if len(terms) == 1 else ("Logical", "||", tuple(terms))


@settings(max_examples=100, deadline=None)
@given(trees)
def test_stored_k_sharp_has_the_designers_structure_and_type_checks(tree):
    stored = to_stored(tree)
    checked = check(stored, CONTACT_SCHEMA, REGISTRY)
    assert shape(checked.parsed.expression) == designer_shape(tree)


INACTIVE = (
    '{%Rule("!Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"CMSContactHasDoneAnyActivityInTheLastXDays\\" ><p n=\\"_perfectum\\">'
    "<t>has not</t><v>!</v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p>"
    '<p n=\\"days\\"><t>365</t><v>365</v><r>0</r><d>enter days</d><vt>integer</vt><tv>1</tv>'
    '</p></r></rules>")%}'
)


def test_inactive_contacts_as_kentico_stores_it():
    assert display_text(INACTIVE) == "Contact has not done any activity in the last 365 day(s)"
    tree = from_stored(INACTIVE)
    assert tree is not None
    assert to_stored(tree) == INACTIVE.replace("<r>0</r><d>enter days", "<r>1</r><d>enter days")


def test_designer_output_displays_as_its_sentences():
    male = RuleInstance("CMSContactIsMale", {"_is": ""})
    active = RuleInstance("CMSContactHasLoggedInInTheLastXDays", {"_perfectum": "", "days": "7"})
    tree = Group.of(male, (Op.AND, Group.of(active, (Op.OR, male))))
    assert display_text(to_stored(tree)) == (
        "Contact is male and (Contact has logged in in the last 7 day(s) or Contact is male)"
    )


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Contact.ContactAge > 30", "Contact.ContactAge > 30"),
        ("{% Contact.ContactAge > 30 %}", "Contact.ContactAge > 30"),
        (
            '{%Contact.ContactCity == "a|(b)" |(identity)admin|(hash)0f1e%}',
            'Contact.ContactCity == "a|(b)"',
        ),
        (
            "{% (Contact.ContactAge > 1) ||(Contact.ContactAge < 0)#%}",
            "(Contact.ContactAge > 1) ||(Contact.ContactAge < 0)",
        ),
    ],
)
def test_hand_written_k_sharp_displays_as_itself(stored, shown):
    assert display_text(stored) == shown
    assert from_stored(stored) is None


def test_a_rule_wrapper_with_broken_xml_is_a_condition_error():
    with pytest.raises(ConditionError, match="Unknown rule 'Gone'"):  # the designer's view
        from_stored('{%Rule("true", "<rules><r pos=\\"0\\" par=\\"\\" n=\\"Gone\\"/></rules>")%}')
    with pytest.raises(ConditionError, match="DTD"):
        from_stored('{%Rule("true", "<!DOCTYPE rules []><rules/>")%}')


def test_xml_errors_point_into_the_stored_text():
    stored = '{%Rule("true",\n "<rules><r pos=\\"x\\" /></rules>")%}'
    with pytest.raises(ConditionError) as raised:
        from_stored(stored)
    assert (raised.value.line, raised.value.column) == (2, 3)
    assert raised.value.caret.endswith("\n  ^")


@settings(max_examples=100, deadline=None)
@given(trees)
def test_designer_output_reads_back_without_warnings(tree):
    assert describe_stored(to_stored(tree)).warnings == ()


def _rule_xml(code_name: str, params: str = "") -> str:
    return (f'<rules><r pos=\\"0\\" par=\\"\\" op=\\"and\\" n=\\"{code_name}\\" >{params}'
            "</r></rules>")


IS = ('<p n=\\"_is\\"><t>is</t><v></v><r>0</r><d>select operation</d><vt>text</vt>'
      "<tv>0</tv></p>")


def test_an_unknown_rule_falls_back_to_its_k_sharp_with_a_warning():
    stored = ('{%Rule("Contact.ContactCity == \\"Brno\\"", "'
              + _rule_xml("MyCompanyContactLivesInCity") + '")%}')
    described = describe_stored(stored)
    assert described.text == 'Contact.ContactCity == "Brno"'
    [warning] = described.warnings
    assert "Unknown rule 'MyCompanyContactLivesInCity'" in warning and "as its K#" in warning
    check(stored, CONTACT_SCHEMA, REGISTRY)  # evaluated as its K#


def test_rules_text_that_disagrees_with_the_k_sharp_is_warned_about():
    male_text_female_test = ('{%Rule("(Contact.ContactGender == Gender.Female)", "'
                             + _rule_xml("CMSContactIsMale", IS) + '")%}')
    described = describe_stored(male_text_female_test)
    assert described.text == "Contact is male"
    [warning] = described.warnings
    assert "does not match" in warning and "Gender.Female" in warning


def test_kenticos_older_field_rule_k_sharp_agrees_with_its_text():
    params = ('<p n=\\"field\\"><t>E-mail address</t><v>ContactEmail</v></p>'
              '<p n=\\"op\\"><t>contains</t><v>Contains</v></p>'
              '<p n=\\"value\\"><t>@</t><v>@</v></p>')
    stored = ('{%Rule("Contact.ContactEmail.Contains(\\"@\\")", "'
              + _rule_xml("CMSContactFieldContainsValue", params) + '")%}')
    assert describe_stored(stored) == Description("Contact field E-mail address contains @")
