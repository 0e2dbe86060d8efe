"""Explain trees and dependency extraction."""

from __future__ import annotations

from conditions import ANY, check, dependencies, explain

from .support import SCHEMA, Contact, Context, registry

REGISTRY = registry()


def test_explain_lists_sub_expressions_with_their_values():
    checked = check('Contact.ContactEmail.Contains("@") && Contact.ContactAge > 30', SCHEMA,
                    REGISTRY)
    contact = Contact(1, {"Contact.ContactEmail": "a@b.c", "Contact.ContactAge": 20})
    result = explain(checked, Context(contact, []))
    assert not result.member
    assert result.root.value is False
    contains, older = result.root.children
    assert (contains.text, contains.value) == ('Contact.ContactEmail.Contains("@")', True)
    assert (older.text, older.value) == ("Contact.ContactAge > 30", False)
    assert older.children[0].value == 20
    text = result.render()
    assert text.splitlines()[0] == "not a member: the condition is false"
    assert '    "a@b.c"' in text


def test_explain_marks_short_circuited_operands():
    checked = check('Contact.ContactCity == "x" || Contact.ContactAge > 30', SCHEMA, REGISTRY)
    result = explain(checked, Context(Contact(1, {"Contact.ContactCity": "X"}), []))
    assert result.member
    assert not result.root.children[1].evaluated
    assert "(not evaluated)" in result.render()


def test_explain_of_a_rule_wrapper_shows_unescaped_k_sharp():
    checked = check('{%Rule("Contact.ContactCity == \\"x\\"", "<rules/>")%}', SCHEMA, REGISTRY)
    assert explain(checked, Context(Contact(1), [])).root.text == 'Contact.ContactCity == "x"'


def test_dependencies_from_members_and_contact_methods():
    checked = check(
        'Contact.ContactEmail.Contains("@") && Contact.DidActivity("PageVisit;purchase", '
        '"newsletterunsubscription", 7) && Contact.IsInContactGroup("vip;gold", true) '
        '&& Contact.SubmittedForm("ContactUs") && Contact.IsFromCountry("CZ") '
        '&& Contact.BelongsToAccount("12")',
        SCHEMA, REGISTRY)
    deps = dependencies(checked)
    assert deps.fields == {"ContactEmail", "ContactCountryCode", "ContactCountryName"}
    assert deps.activity_types == {"pagevisit", "purchase", "newsletterunsubscription",
                                   "bizformsubmit"}
    assert deps.groups == {"vip", "gold"}
    assert deps.forms == {"contactus"}
    assert deps.accounts
    assert deps.uses_now


def test_any_activity_and_time_independence():
    deps = dependencies(check("Contact.DidActivity(null, null, 0)", SCHEMA, REGISTRY))
    assert deps.activity_types == {ANY}
    assert not deps.uses_now
    assert dependencies(check("CurrentDateTime.Month == 1", SCHEMA, REGISTRY)).uses_now
    field = dependencies(check('Contact.ContactFieldContainsValue("ContactCity", "Equals", "x")',
                               SCHEMA, REGISTRY))
    assert field.fields == {"ContactCity"}
