"""Robustness: whatever the text, the language answers with a result or a ConditionError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conditions import (
    ConditionError,
    Kind,
    check,
    compile_sql,
    evaluate,
    explain,
    parse_condition,
)

from .support import NOW, SCHEMA, Binding, Contact, Context, registry


def _everything_implemented():
    reg = registry()
    for spec in list(reg):
        if spec.kind is Kind.CONTACT and spec.evaluate is None:
            reg = reg.implement(spec.name, evaluate=lambda context, *args: False)
    return reg


REGISTRY = _everything_implemented()
CONTACT = Contact(1, {"Contact.ContactEmail": "a@b.c", "Contact.ContactAge": 40})

CORPUS = [
    '{%Rule("Contact.SubmittedForm(\\"ContactUs\\", ToInt(7))", '
    '"<rules><r pos=\\"0\\"/></rules>")%}',
    '{%CurrentDateTime.Month.EqualsAny("1|2|3".Split("|"))|(identity)Admin|(hash)abc%}',
    'Contact.ContactEmail.Contains("@") && !(Contact.ContactGender == Gender.Male)',
    "Contact.ContactAge.Between(ToInt(50), ToInt(100)) || Contact.ContactScore mod 2 == 1",
    'Contact.DidActivity(null, "newsletterunsubscription", ToInt(5)) ?? false',
    '(Contact.ContactCity ?? "x").ToUpper() != "Ü" and not Contact.IsVip',
    "Contact.ContactCreated < DateTime.Now && Contact.Revenue / 2.5 >= -1e3",
]
ALPHABET = st.sampled_from([*'()"\'\\.,|%{}#!=<>&?+-*/ \n\tabcCMnotdulr019_@',
                            "Contact", "ToInt", "null", "mod", "Rule(", "&&", "||", "??",
                            "ContactEmail", ".Contains(", "|(hash)", "{%", "%}", "é"])


def exercise(text: str) -> None:
    """Every stage on ``text``; only ConditionError may escape, and only from the check."""
    try:
        checked = check(text, SCHEMA, REGISTRY)
    except ConditionError as err:
        assert err.line >= 1 and err.column >= 1
        assert "\n" in err.caret
        return
    evaluate(checked, Context(CONTACT, []))
    explain(checked, Context(CONTACT, [])).render()
    compile_sql(checked, Binding(), NOW)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_token_soup_fails_only_with_condition_errors(text):
    exercise(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_fails_only_with_condition_errors(text):
    exercise(text)


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(ALPHABET)
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 5)) :]
        elif action == "replace":
            text = text[:position] + piece + text[position + 1 :]
        else:
            text = text[:position] + text[position:][:10] + text[position:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_conditions_fail_only_with_condition_errors(text):
    exercise(text)


def test_corpus_is_valid():
    for text in CORPUS:
        exercise(text)
        check(text, SCHEMA, REGISTRY)


# How long these take is measured by benchmarks/condition_parsing.py (never asserted here).


def test_ten_kilobyte_condition_works_through_every_stage():
    text = " || ".join(f'Contact.ContactCity == "city {i}"' for i in range(330))
    assert len(text) >= 10_000
    parse_condition(text)
    exercise(text)


@pytest.mark.parametrize("template", ["({})", "!({})", "(true && {})", "ToBool({})"])
def test_two_hundred_nesting_levels_work_through_every_stage(template):
    text = "Contact.ContactAge > 1"
    for _ in range(200):
        text = template.format(text)
    checked = check(text, SCHEMA, REGISTRY)
    assert evaluate(checked, Context(CONTACT, [])) in (True, False)
    assert compile_sql(checked, Binding(), NOW).translatable
    explain(checked, Context(CONTACT, []))


@pytest.mark.parametrize("text", ["(" * 5000 + "a" + ")" * 5000, "!" * 5000 + "a",
                                  "-" * 5000 + "1 == 1", "!(" * 2000 + "a" + ")" * 2000,
                                  " + ".join(["1"] * 2500) + " == 1"])
def test_excessive_nesting_fails_cleanly(text):
    with pytest.raises(ConditionError, match="nested too deeply"):
        parse_condition(text)
