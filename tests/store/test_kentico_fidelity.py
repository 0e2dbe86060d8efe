"""Issue 12: conditions Kentico accepts give Kentico's members, on both engines and through
both backends (the compiled query and the in-memory evaluator) — or are refused at save.

Each test's data separates Kentico's answer from the one given before (null items,
duplicates, untrimmed list items, URL variants, offsets); ``assert_selects`` checks the SQL
and the in-memory verdicts against the expected contacts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from store.activities import log_activity, record_form_submission
from store.binding.condition_service import (
    InvalidCondition,
    check_condition,
    count_matching,
    explain_contact,
)
from store.db.models import Activity
from tests.store.condition_support import (
    ActivitySpec,
    ContactSpec,
    SubmissionSpec,
    World,
    build,
    memory_ids,
    reset,
    sql_ids,
)

NOW = dt.datetime(2026, 3, 1, 12, 0, 0)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def assert_selects(condition: str, ids: dict[str, int], names: set[str]) -> None:
    checked = check_condition(condition)
    want = {ids[name] for name in names}
    assert sql_ids(checked, NOW) == want, f"SQL: {condition}"
    assert memory_ids(checked, NOW) == want, f"memory: {condition}"


def built(db, contacts: dict[str, ContactSpec], **world) -> dict[str, int]:
    reset()
    names = list(contacts)
    return dict(zip(names, build(World([contacts[n] for n in names], **world)), strict=True))


# ------------------------------------------------------------------ 1. FilledFormFieldWithValue


@pytest.fixture
def form_contacts(db) -> dict[str, int]:
    return built(db, {
        # The value contains "smith", in another case, on DancingGoat's ContactUs form.
        "contains": ContactSpec(submissions=[SubmissionSpec(
            "ContactUs", ago(1), [("Email", "John.SMITH@example.com")], site="DancingGoat")]),
        # The same form and value, but submitted on another site.
        "other_site": ContactSpec(submissions=[SubmissionSpec(
            "ContactUs", ago(1), [("Email", "smith@example.com")], site="Corporate")]),
        # The value on another form of the site.
        "other_form": ContactSpec(submissions=[SubmissionSpec(
            "Newsletter", ago(1), [("Email", "smith@example.com")], site="DancingGoat")]),
        "none": ContactSpec(),
    })


def test_form_field_is_site_form_field_and_its_value_matches_by_contains(form_contacts) -> None:
    assert_selects('Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Email", "smith", 7)',
                   form_contacts, {"contains"})
    assert_selects('Contact.FilledFormFieldWithValue("dancinggoat;contactus;EMAIL", "", 0)',
                   form_contacts, {"contains"})
    assert_selects('!Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Email", "smith")',
                   form_contacts, {"other_site", "other_form", "none"})


@pytest.mark.parametrize("field", ["ContactUs.Email", "Email", "DancingGoat;ContactUs",
                                   "DancingGoat;ContactUs;Email;x", ";ContactUs;Email", ""])
def test_form_field_of_another_shape_is_refused_naming_the_shape(db, field: str) -> None:
    with pytest.raises(InvalidCondition, match='"site;form;field"'):
        check_condition(f'Contact.FilledFormFieldWithValue("{field}", "x", 7)')


# ------------------------------------------------------------------ 2. DidActivity


@pytest.fixture
def activity_contacts(db) -> dict[str, int]:
    return built(db, {
        # A subscription without an item and an unsubscription without one after it: Kentico
        # never cancels an activity without an item.
        "null_item": ContactSpec(activities=[
            ActivitySpec("newslettersubscription", ago(3), None),
            ActivitySpec("newsletterunsubscription", ago(2), None)]),
        # Subscribed to n1 and unsubscribed from n1 later: cancelled.
        "cancelled": ContactSpec(activities=[
            ActivitySpec("newslettersubscription", ago(3), "n1"),
            ActivitySpec("newsletterunsubscription", ago(2), "n1")]),
        # Subscribed to n1, and a purchase of n1 later.
        "purchase_after": ContactSpec(activities=[
            ActivitySpec("newslettersubscription", ago(3), "n1"),
            ActivitySpec("purchase", ago(2), "n1")]),
        "login": ContactSpec(activities=[ActivitySpec("userlogin", ago(1))]),
    })


def test_an_activity_without_an_item_is_never_cancelled(activity_contacts) -> None:
    assert_selects('Contact.DidActivity("newslettersubscription", "newsletterunsubscription", 7)',
                   activity_contacts, {"null_item", "purchase_after"})


def test_cancel_type_is_one_type_not_a_list(activity_contacts) -> None:
    # "newsletterunsubscription;purchase" names one type, which nothing has: nothing cancels.
    assert_selects('Contact.DidActivity("newslettersubscription", '
                   '"newsletterunsubscription;purchase", 7)',
                   activity_contacts, {"null_item", "cancelled", "purchase_after"})


def test_items_of_a_type_list_are_not_trimmed(activity_contacts) -> None:
    # " userlogin" is not "userlogin".
    assert_selects('Contact.DidActivity("purchase; userlogin", null, 7)', activity_contacts,
                   {"purchase_after"})
    assert_selects('Contact.DidActivities("purchase; userlogin", 7, false)', activity_contacts,
                   {"purchase_after"})


# ------------------------------------------------------------------ 3. "all" of a list


@pytest.fixture
def list_contacts(db) -> dict[str, int]:
    return built(db, {
        "both": ContactSpec(activities=[ActivitySpec("pagevisit", ago(1)),
                                        ActivitySpec("userlogin", ago(1))]),
        "visit": ContactSpec(activities=[ActivitySpec("pagevisit", ago(1))]),
        "none": ContactSpec(),
    }, groups={"g1": [0, 1], "g2": [0]})


def test_all_with_a_duplicate_item_is_never_satisfied(list_contacts) -> None:
    assert_selects('Contact.DidActivities("pagevisit;PageVisit", 7, true)', list_contacts, set())
    assert_selects('Contact.IsInContactGroup("g1;G1", true)', list_contacts, set())
    assert_selects('Contact.IsInContactGroup("g1;g1", false)', list_contacts, {"both", "visit"})


def test_all_of_an_empty_list_holds_for_everyone(list_contacts) -> None:
    everyone = {"both", "visit", "none"}
    assert_selects('Contact.DidActivities("", 7, true)', list_contacts, everyone)
    assert_selects('Contact.IsInContactGroup("", true)', list_contacts, everyone)
    assert_selects('Contact.IsInContactGroup("", false)', list_contacts, set())


# ------------------------------------------------------------------ 5. BelongsToAccount


@pytest.fixture
def account_contacts(db) -> dict[str, int]:
    return built(db, {"member": ContactSpec(), "outsider": ContactSpec()},
                 accounts={"Acme": [0]})


def test_belongs_to_account_takes_the_account_id(account_contacts) -> None:
    assert_selects("Contact.BelongsToAccount(1)", account_contacts, {"member"})
    assert_selects('Contact.BelongsToAccount("1")', account_contacts, {"member"})
    assert_selects("Contact.BelongsToAccount(2)", account_contacts, set())


def test_belongs_to_account_refuses_a_name_with_a_hint(account_contacts) -> None:
    with pytest.raises(InvalidCondition, match="account's id"):
        check_condition('Contact.BelongsToAccount("Acme")')


# ------------------------------------------------------------------ 7. VisitedPage


@pytest.fixture
def page_contacts(db) -> dict[str, int]:
    def visit(url: str) -> ContactSpec:
        return ContactSpec(activities=[ActivitySpec("pagevisit", ago(1), None, url)])

    return built(db, {
        "full_url": visit("https://www.example.com/Campaign-assets/Poster?utm_source=mail"),
        "slash_fragment": visit("/campaign-assets/poster/#top"),
        "plain": visit("/Campaign-assets/Poster"),
        "longer": visit("/Campaign-assets/Poster-2"),
        "parent": visit("https://www.example.com/Campaign-assets"),
        "login_there": ContactSpec(activities=[
            ActivitySpec("userlogin", ago(1), None, "/Campaign-assets/Poster")]),
    })


def test_visited_page_matches_the_path_of_the_visited_url(page_contacts) -> None:
    assert_selects('Contact.VisitedPage("/Campaign-assets/Poster", 7)', page_contacts,
                   {"full_url", "slash_fragment", "plain"})
    assert_selects('Contact.VisitedPage("/Campaign-assets/", 0)', page_contacts, {"parent"})


# ------------------------------------------------------------------ 9. aware datetimes


def test_an_aware_activity_time_is_stored_as_utc(db) -> None:
    ids = built(db, {"contact": ContactSpec()})
    # "The last 1 day" at NOW starts at Feb 28 12:00 UTC. Each time below is on the other
    # side of that edge by its wall clock than by UTC.
    plus_two = dt.timezone(dt.timedelta(hours=2))
    minus_two = dt.timezone(dt.timedelta(hours=-2))
    log_activity(ids["contact"], "pagevisit", at=dt.datetime(2026, 2, 28, 13, 0, tzinfo=plus_two))
    log_activity(ids["contact"], "userlogin",
                 at=dt.datetime(2026, 2, 28, 11, 0, tzinfo=minus_two))
    record_form_submission(ids["contact"], "ContactUs", {"Email": "a@b.c"},
                           at=dt.datetime(2026, 2, 28, 11, 0, tzinfo=minus_two))
    stored = {a.type: a.at for a in Activity.select()}
    assert stored == {"pagevisit": dt.datetime(2026, 2, 28, 11, 0),
                      "userlogin": dt.datetime(2026, 2, 28, 13, 0),
                      "bizformsubmit": dt.datetime(2026, 2, 28, 13, 0)}
    assert_selects("Contact.LoggedIn(1)", ids, {"contact"})
    assert_selects('Contact.DidActivity("pagevisit", null, 1)', ids, set())
    assert_selects('Contact.SubmittedForm("ContactUs", 1)', ids, {"contact"})
    explanation = explain_contact('Contact.DidActivity("pagevisit", null, 1)', ids["contact"],
                                  NOW)
    assert explanation.member is False
    # An aware "now" is the same instant: NOW at +02:00 is 14:00 there.
    aware_now = NOW.replace(tzinfo=dt.UTC).astimezone(plus_two)
    assert explain_contact("Contact.LoggedIn(1)", ids["contact"], aware_now).member is True
    slow = check_condition("ToInt(Contact.ContactCity) == 0 && Contact.LoggedIn(1)")
    assert count_matching(slow, aware_now) == 1


# ------------------------------------------------------------------ 4. ContactAge

AGE_RULE = (
    '{%Rule("Contact.ContactAge.Between(ToInt(0), ToInt(17))", "<rules><r pos=\\"0\\" '
    'par=\\"\\" op=\\"and\\" n=\\"CMSContactAgeIsBetween\\" ><p n=\\"_is\\"><t>is</t><v></v>'
    '<r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p><p n=\\"age1\\"><t>0</t>'
    '<v>0</v><r>1</r><d>enter age</d><vt>integer</vt><tv>0</tv></p><p n=\\"age2\\"><t>17</t>'
    '<v>17</v><r>1</r><d>enter age</d><vt>integer</vt><tv>0</tv></p></r></rules>")'
    '|(identity)GlobalAdministrator|(hash)2f1a6ee1e0d6f3c4d9b7e8a2c3f4b5a6d7e8f9a0b1c2d3e4f5a6'
    'b7c8d9e0f1a2%}'
)


@pytest.fixture
def age_contacts(db) -> dict[str, int]:
    return built(db, {
        "no_birthday": ContactSpec(),
        "child": ContactSpec(fields={"birthday": dt.date(2016, 3, 1)}),
        "adult": ContactSpec(fields={"birthday": dt.date(1980, 3, 2)}),
    })


def test_hand_written_age_is_0_without_a_birthday(age_contacts) -> None:
    assert_selects("Contact.ContactAge == 0", age_contacts, {"no_birthday"})
    assert_selects("Contact.ContactAge < 18", age_contacts, {"no_birthday", "child"})
    assert_selects("Contact.ContactAge.Between(0, 17)", age_contacts, {"no_birthday", "child"})


def test_the_designers_age_rule_leaves_out_missing_birthdays(age_contacts) -> None:
    assert_selects(AGE_RULE, age_contacts, {"child"})


# ------------------------------------------------------------------ 6. |(casesensitive)true


@pytest.fixture
def case_contacts(db) -> dict[str, int]:
    return built(db, {
        "title": ContactSpec(fields={"last_name": "Smith", "city": "Praha"}),
        "upper": ContactSpec(fields={"last_name": "SMITH", "city": "PRAHA"}),
        "none": ContactSpec(),
    })


SIGNATURE = "|(identity)GlobalAdministrator|(hash)0c1f3d9a8b7e6f5d4c3b2a1908f7e6d5c4b3a2f1"


@pytest.mark.parametrize(("condition", "names"), [
    ('Contact.ContactLastName == "Smith"', {"title"}),
    ('Contact.ContactLastName != "Smith"', {"upper", "none"}),
    ('Contact.ContactLastName.Contains("mit")', {"title"}),
    ('Contact.ContactLastName.StartsWith("SM")', {"upper"}),
    ('Contact.ContactLastName.EndsWith("th")', {"title"}),
    ('Contact.ContactLastName.NotContains("MIT")', {"title", "none"}),
    ('Contact.ContactCity.EqualsAny("Praha|Brno".Split("|"))', {"title"}),
    ('Contact.ContactLastName > "SMITH"', {"title"}),
])
def test_casesensitive_true_makes_string_comparisons_case_sensitive(
        case_contacts, condition: str, names: set[str]) -> None:
    assert_selects(f"{{%{condition}|(casesensitive)true{SIGNATURE}%}}", case_contacts, names)


def test_casesensitive_false_is_the_default(case_contacts) -> None:
    assert_selects(f'{{%Contact.ContactLastName == "Smith"|(casesensitive)false{SIGNATURE}%}}',
                   case_contacts, {"title", "upper"})


@pytest.mark.parametrize("parameter", ["|(default)true", "|(resolver)contact",
                                       "|(culture)cs-CZ", "|(casesensitive)maybe"])
def test_parameters_that_would_change_the_result_are_refused(db, parameter: str) -> None:
    with pytest.raises(InvalidCondition, match=r"\|\("):
        check_condition(f'{{%Contact.ContactLastName == "Smith"{parameter}{SIGNATURE}%}}')


# ------------------------------------------------------------------ K# an admin pastes


@pytest.fixture
def syntax_contacts(db) -> dict[str, int]:
    return built(db, {
        "new_male": ContactSpec(fields={"email": "a@b.cz", "gender": 1}, created=ago(3)),
        "old_female": ContactSpec(fields={"email": "", "gender": 2}, created=ago(400)),
        "month_old": ContactSpec(fields={"gender": 0}, created=ago(40)),
    })


@pytest.mark.parametrize(("condition", "names"), [
    ("Contact.ContactEmail.IsNullOrEmpty()", {"old_female", "month_old"}),
    ("!IsNullOrEmpty(Contact.ContactEmail)", {"new_male"}),
    ("Contact.ContactCreated >= DateTime.Now.AddDays(-30)", {"new_male"}),
    ("Contact.ContactCreated >= CurrentDateTime.AddMonths(-2)", {"new_male", "month_old"}),
    ("Contact.ContactCreated < Now.AddYears(-1)", {"old_female"}),
    ("Contact.ContactCreated >= CurrentDateTime.Date.AddHours(-72)", {"new_male"}),
    ('Contact.ContactGender == "1"', {"new_male"}),
    ('Contact.ContactGender != "2"', {"new_male", "month_old"}),
    ("Contact.ContactGender = 2", {"old_female"}),
    ("Contact.ContactGender == Gender.Male;", {"new_male"}),
    ("// men only\nContact.ContactGender == 1 /* Gender.Male */", {"new_male"}),
    ('Contact.ContactEmail.Contains("//") || Contact.ContactGender == 2 // not "//"',
     {"old_female"}),
    ("Contact.ContactGender == 1 ? Contact.ContactEmail.IsNullOrEmpty() : "
     "Contact.ContactGender == 0", {"month_old"}),
    ("(Contact.ContactGender == 2 ? 30 : 1000) > 100", {"new_male", "month_old"}),
])
def test_k_sharp_admins_paste(syntax_contacts, condition: str, names: set[str]) -> None:
    assert_selects(condition, syntax_contacts, names)
    assert_selects(f"{{%{condition}{SIGNATURE}%}}", syntax_contacts, names)


def test_statements_after_a_semicolon_are_refused(db) -> None:
    with pytest.raises(InvalidCondition, match="';'"):
        check_condition("Contact.ContactGender == 1; Contact.ContactGender == 2")


# ------------------------------------------------------------------ stored as Kentico stores them


def kentico_rule(k_sharp: str, code_name: str, params: dict[str, tuple[str, str, str]]) -> str:
    """``{%Rule("<K#>", "<rules>…</rules>")|(identity)…|(hash)…%}`` as Kentico saves a designer
    condition: quotes escaped, each parameter with its text, value and value type."""
    xml = "".join(
        f'<p n=\\"{name}\\"><t>{text}</t><v>{value}</v><r>1</r><d>enter value</d>'
        f"<vt>{value_type}</vt><tv>0</tv></p>"
        for name, (text, value, value_type) in params.items())
    return (f'{{%Rule("{k_sharp}", "<rules><r pos=\\"0\\" par=\\"\\" op=\\"and\\" '
            f'n=\\"{code_name}\\" >{xml}</r></rules>"){SIGNATURE}%}}')


HAS = {"_perfectum": ("has", "", "text")}
STORED = {
    "downloaded": kentico_rule(
        'Contact.VisitedPage(\\"/Campaign-assets/Poster\\", ToInt(0))',
        "CMSContactHasDownloadedSpecifiedFileInLastXDays",
        {**HAS, "item": ("/Campaign-assets/Poster", "/Campaign-assets/Poster", "text"),
         "days": ("0", "0", "integer")}),
    "in_range": kentico_rule(
        'CurrentDateTime.Between(ToSystemDateTime(\\"1/1/2026 12:00:00 AM\\"), '
        'ToSystemDateTime(\\"12/31/2026 11:59:00 PM\\"))',
        "CMSCurrentDatetimeIsInRange",
        {"date1": ("1/1/2026 12:00:00 AM", "1/1/2026 12:00:00 AM", "datetime"),
         "date2": ("12/31/2026 11:59:00 PM", "12/31/2026 11:59:00 PM", "datetime")}),
    "out_of_range": kentico_rule(
        'CurrentDateTime.Between(ToSystemDateTime(\\"1/1/2027\\"), '
        'ToSystemDateTime(\\"12/31/2027\\"))',
        "CMSCurrentDatetimeIsInRange",
        {"date1": ("1/1/2027", "1/1/2027", "datetime"),
         "date2": ("12/31/2027", "12/31/2027", "datetime")}),
    "form_field": kentico_rule(
        'Contact.FilledFormFieldWithValue(\\"DancingGoat;ContactUs;Email\\", \\"smith\\", 7);',
        "ContactHasEnteredASpecificValueInASpecificFormSFieldInTheLastXDays",
        {**HAS, "field": ("Email", "DancingGoat;ContactUs;Email", "text"),
         "value": ("smith", "smith", "text"), "days": ("7", "7", "integer")}),
    "email_field": kentico_rule(
        'Contact.ContactEmail.Contains(\\"@example\\")', "CMSContactFieldContainsValue",
        {"field": ("E-mail address", "ContactEmail", "text"),
         "op": ("contains", "Contains", "text"), "value": ("@example", "@example", "text")}),
}


@pytest.fixture
def stored_contacts(db) -> dict[str, int]:
    return built(db, {
        "poster": ContactSpec(
            fields={"email": "smith@example.com"},
            activities=[ActivitySpec(
                "pagevisit", ago(400),
                None, "https://www.example.com/Campaign-assets/Poster?utm_source=mail")],
            submissions=[SubmissionSpec("ContactUs", ago(2), [("Email", "SMITH@example.com")])]),
        "other": ContactSpec(fields={"email": "jan@novak.cz"},
                             submissions=[SubmissionSpec("ContactUs", ago(2), [("Email", "x")],
                                                         site="Corporate")]),
    })


@pytest.mark.parametrize(("name", "names"), [
    ("downloaded", {"poster"}), ("in_range", {"poster", "other"}), ("out_of_range", set()),
    ("form_field", {"poster"}), ("email_field", {"poster"}),
])
def test_conditions_stored_as_kentico_stores_them(stored_contacts, name: str,
                                                  names: set[str]) -> None:
    from store.binding.condition_service import description

    assert description(STORED[name]).warnings == ()
    assert_selects(STORED[name], stored_contacts, names)


def test_a_page_guid_is_refused_naming_the_path_it_needs(db) -> None:
    with pytest.raises(InvalidCondition, match="page's path"):
        check_condition('Contact.VisitedPage("3f1c2e4a-9b7d-4c1e-8a2b-5d6f7e8a9b0c")')


# ------------------------------------------------------------------ 8. IsFromCountry


@pytest.fixture
def country_contacts(db) -> dict[str, int]:
    return built(db, {
        "czech": ContactSpec(fields={"country_code": "CZ", "country_name": "Czech Republic"}),
        "german": ContactSpec(fields={"country_code": "DE", "country_name": "Germany"}),
        "none": ContactSpec(),
    })


@pytest.mark.parametrize("countries", ["Czech Republic", "CzechRepublic", "czechrepublic",
                                       "CZ", "Nowhere;CzechRepublic"])
def test_is_from_country_by_display_name_code_name_or_our_two_letter_code(
        country_contacts, countries: str) -> None:
    assert_selects(f'Contact.IsFromCountry("{countries}")', country_contacts, {"czech"})


def test_the_country_rule_says_the_two_letter_code_is_an_extension() -> None:
    from conditions.rules import get_rule

    help_text = get_rule("CMSContactIsFromCountry").description
    assert "code names" in help_text and "two-letter code" in help_text
    assert "extension" in help_text


# ------------------------------------------------------------------ relations


@pytest.fixture
def relation_contacts(db) -> dict[str, int]:
    return built(db, {"two_groups": ContactSpec(), "one_each": ContactSpec(),
                      "nothing": ContactSpec()},
                 accounts={"Acme": [1], "Beta": [1, 0]}, groups={"g1": [0, 1], "g2": [0]})


@pytest.mark.parametrize(("condition", "names"), [
    ("Contact.ContactGroups.Count >= 2", {"two_groups"}),
    ("Contact.ContactGroups.Count == 0", {"nothing"}),
    ("Contact.Accounts.Count == 2", {"one_each"}),
    ("Contact.Accounts.Count > 0 && Contact.ContactGroups.Count == 1", {"one_each"}),
])
def test_relation_counts(relation_contacts, condition: str, names: set[str]) -> None:
    assert_selects(condition, relation_contacts, names)


@pytest.mark.parametrize("condition", ['Contact.ContactGroups.Any(ContactGroupName == "g1")',
                                       "Contact.ContactGroups == null"])
def test_a_relation_used_otherwise_is_refused_naming_what_is_supported(db, condition) -> None:
    with pytest.raises(InvalidCondition, match=r"Contact\.ContactGroups\.Count or "
                                               r"Contact\.ContactGroups\.Exists\(\.\.\.\)"):
        check_condition(condition)


def test_a_new_account_link_re_evaluates_a_group_counting_accounts(relation_contacts) -> None:
    from store import accounts, groups
    from store.db.models import Account, Membership
    from store.engine.rebuild import rebuild_group

    group = groups.create_group("With accounts", condition="Contact.Accounts.Count > 0")
    rebuild_group(group)

    def members() -> set[int]:
        return {m.contact_id for m in Membership.select().where(Membership.group == group.id)}

    assert members() == {relation_contacts["two_groups"], relation_contacts["one_each"]}
    accounts.link_contact(Account.get(Account.name == "Acme"), relation_contacts["nothing"],
                          actor="tester")
    assert members() == set(relation_contacts.values())
