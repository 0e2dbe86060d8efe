"""The shared semantics of SPEC §5, one test each, asserted on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conditions import ConditionError, check, compile_sql, default_registry, evaluate

from .support import (
    NOW,
    SCHEMA,
    Activity,
    Binding,
    Contact,
    Context,
    make_database,
    memory_ids,
    registry,
    sql_ids,
)

REGISTRY = registry()


def matching(condition: str, contacts: list[Contact], activities=()) -> set[int]:
    """The ids both backends select; fails if they disagree."""
    activities = list(activities)
    checked = check(condition, SCHEMA, REGISTRY)
    in_memory = memory_ids(checked, contacts, activities)
    in_sql = sql_ids(make_database(contacts, activities), compile_sql(checked, Binding(), NOW))
    assert in_memory == in_sql, (in_memory, in_sql)
    return in_memory


def people(*values, field="Contact.ContactCity") -> list[Contact]:
    return [Contact(i + 1, {field: v}) for i, v in enumerate(values)]


def test_string_comparison_ignores_case():
    assert matching('Contact.ContactCity == "PARIS"', people("paris", "Paris", "Lyon")) == {1, 2}


def test_case_is_ignored_for_non_ascii_letters_too():
    assert matching('Contact.ContactCity == "ÉCOLE"', people("école", "ecole")) == {1}
    assert matching('Contact.ContactCity.Contains("ß")', people("STRAẞE", "strasse")) == {1}


def test_contains_starts_ends_ignore_case():
    contacts = people("Hello World", "world", None)
    assert matching('Contact.ContactCity.Contains("WORLD")', contacts) == {1, 2}
    assert matching('Contact.ContactCity.StartsWith("hELLO")', contacts) == {1}
    assert matching('Contact.ContactCity.EndsWith("LD")', contacts) == {1, 2}


def test_empty_string_equals_null():
    contacts = people("", None, "x")
    assert matching("Contact.ContactCity == null", contacts) == {1, 2}
    assert matching('Contact.ContactCity == ""', contacts) == {1, 2}
    assert matching("Contact.ContactCity != null", contacts) == {3}


@pytest.mark.parametrize("value", ["%", "_", "\\", "a%", "_b", "\\%"])
def test_like_metacharacters_are_literal(value):
    contacts = people("a%b_c\\d", "abcd", "xyz")
    expected = {1} if value in "a%b_c\\d" else set()
    assert matching(f'Contact.ContactCity.Contains("{value.replace(chr(92), chr(92) * 2)}")',
                    contacts) == expected


def test_null_is_the_empty_string_for_string_methods():
    contacts = people(None, "", "abc")
    assert matching('Contact.ContactCity.NotContains("a")', contacts) == {1, 2}
    assert matching('Contact.ContactCity.Contains("")', contacts) == {1, 2, 3}
    assert matching('Contact.ContactCity.ToUpper() == ""', contacts) == {1, 2}


def test_ordering_comparisons_with_null_are_false():
    contacts = people(None, 3, 7, field="Contact.ContactScore")
    assert matching("Contact.ContactScore < 5", contacts) == {2}
    assert matching("Contact.ContactScore >= 5", contacts) == {3}
    assert matching("!(Contact.ContactScore < 5)", contacts) == {1, 3}
    assert matching("Contact.ContactScore > null", contacts) == set()
    assert matching('Contact.ContactCity < "m"', people(None, "", "a")) == {3}


def test_null_member_access_is_safe():
    contacts = [Contact(1, {})]
    assert matching("Contact.ContactCreated.Month == 1", contacts) == set()
    assert matching("Contact.ContactCreated.Month == null", contacts) == {1}


def test_not_of_null_is_true_booleans_are_two_valued():
    contacts = people(None, True, False, field="Contact.IsVip")
    assert matching("Contact.IsVip", contacts) == {2}
    assert matching("!Contact.IsVip", contacts) == {1, 3}
    assert matching("!Contact.IsVip || Contact.IsVip", contacts) == {1, 2, 3}
    assert matching("!(null && true)", contacts) == {1, 2, 3}
    assert matching("Contact.IsVip == null", contacts) == {1}


def test_only_an_exact_true_result_is_membership():
    contacts = people(None, True, field="Contact.IsVip")
    assert matching("Contact.IsVip ?? null", contacts) == {2}
    assert matching("Contact.IsVip ?? false", contacts) == {2}


def test_coalesce_keeps_empty_strings():
    contacts = people(None, "", "x")
    assert matching('(Contact.ContactCity ?? "dflt") == "dflt"', contacts) == {1}


def test_integer_division_and_mod_truncate_toward_zero():
    contacts = people(-7, 7, None, field="Contact.ContactScore")
    assert matching("Contact.ContactScore / 2 == -3", contacts) == {1}
    assert matching("Contact.ContactScore mod 2 == -1", contacts) == {1}
    assert matching("Contact.ContactScore / 0 == null", contacts) == {1, 2, 3}


def test_string_concatenation_treats_null_as_empty():
    contacts = people(None, "a")
    assert matching('Contact.ContactCity + "b" == "b"', contacts) == {1}
    assert matching('Contact.ContactCity + 1 == "a1"', contacts) == {2}


def test_gender_constants():
    contacts = people(0, 1, 2, field="Contact.ContactGender")
    assert matching("Contact.ContactGender == Gender.Male", contacts) == {2}
    assert matching("Contact.ContactGender == Gender.Female", contacts) == {3}
    assert matching("Contact.ContactGender == 1", contacts) == {2}


def test_age_between_is_inclusive_and_null_age_never_matches():
    contacts = people(None, 49, 50, 100, 101, field="Contact.ContactAge")
    assert matching("Contact.ContactAge.Between(ToInt(50), ToInt(100))", contacts) == {3, 4}
    assert matching("!Contact.ContactAge.Between(ToInt(50), ToInt(100))", contacts) == {1, 2, 5}


def test_equals_any_compares_ints_by_text():
    contacts = people(1, 2, None, field="Contact.ContactScore")
    assert matching('Contact.ContactScore.EqualsAny("1|3".Split("|"))', contacts) == {1}
    assert matching('Contact.ContactCity.InList("A", "b")', people("a", "B", None)) == {1, 2}


def activity(contact: int, kind: str, days_ago: float, item: str = "") -> Activity:
    return Activity(contact, kind, NOW - timedelta(days=days_ago), item)


def test_days_zero_or_less_means_any_time():
    acts = [activity(1, "pagevisit", 1000)]
    contacts = people("a", "b")
    assert matching('Contact.DidActivity("pagevisit", null, 0)', contacts, acts) == {1}
    assert matching('Contact.DidActivity("pagevisit", null, -5)', contacts, acts) == {1}
    assert matching("Contact.DidActivity(null, null, ToInt(0))", contacts, acts) == {1}


def test_in_the_last_x_days_includes_exactly_now_minus_x():
    acts = [activity(1, "pagevisit", 7), activity(2, "pagevisit", 7 + 1e-6)]
    contacts = people("a", "b")
    assert matching('Contact.DidActivity("pagevisit", null, 7)', contacts, acts) == {1}


def test_a_later_cancel_activity_cancels_for_the_same_item():
    acts = [activity(1, "newslettersubscription", 5, "n1"),
            activity(1, "newsletterunsubscription", 3, "n1"),
            activity(2, "newsletterunsubscription", 5, "n1"),
            activity(2, "newslettersubscription", 3, "n1"),
            activity(3, "newslettersubscription", 5, "n1"),
            activity(3, "newsletterunsubscription", 3, "n2")]
    condition = 'Contact.DidActivity("newslettersubscription", "newsletterunsubscription", 0)'
    assert matching(condition, people("a", "b", "c"), acts) == {2, 3}


def test_merged_contacts_never_match():
    contacts = [Contact(1, {"Contact.ContactCity": "x"}),
                Contact(2, {"Contact.ContactCity": "x"}, merged_into=1)]
    assert matching('Contact.ContactCity == "x"', contacts) == {1}


def test_now_is_fixed_and_comes_from_the_context():
    contacts = [Contact(1, {"Contact.ContactCreated": NOW - timedelta(hours=1)})]
    assert matching("Contact.ContactCreated < CurrentDateTime", contacts) == {1}
    checked = check("Contact.ContactCreated < DateTime.Now", SCHEMA, REGISTRY)
    assert not evaluate(checked, Context(contacts[0], [], NOW - timedelta(days=1)))


def test_conversions_follow_kentico_defaults():
    scores = people(None, 3, field="Contact.ContactScore")
    assert matching("ToInt(Contact.ContactScore) == 0", scores) == {1}
    checked = check('ToInt("x") == 0 && ToInt("x", 5) == 5 && ToDouble("2.5") == 2.5 '
                    '&& ToBool("TRUE") && !ToBool("maybe") '
                    '&& ToDateTime("9/3/2020 9:20:00 AM").Hour == 9 '
                    '&& ToSystemDateTime("2020-01-31").Day == 31', SCHEMA, REGISTRY)
    assert evaluate(checked, Context(scores[0], []))


def test_contact_method_without_an_evaluator_is_reported():
    checked = check("Contact.LoggedIn(1)", SCHEMA, default_registry())
    with pytest.raises(ConditionError, match="no evaluator is registered") as info:
        evaluate(checked, Context(Contact(1), []))
    assert info.value.caret == "Contact.LoggedIn(1)\n        ^"
