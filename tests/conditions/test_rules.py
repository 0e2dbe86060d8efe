"""Catalogue rules: their sentences and K#, negations, precedence and value validation."""

import pytest

from conditions.errors import ConditionError
from conditions.rules import (
    RULES,
    SPECIAL_PARAMETERS,
    Group,
    Op,
    ParameterDef,
    RuleDef,
    RuleInstance,
    ValueType,
    get_rule,
    kentico_string,
    to_kentico,
    to_text,
)

# (code name, values, display text, K#): every catalogue rule, positive then negated.
CASES = [
    (
        "CMSContactHasDoneAnyActivityInTheLastXDays",
        {"_perfectum": "", "days": "30"},
        "Contact has done any activity in the last 30 day(s)",
        "Contact.DidActivity(null, null, ToInt(30))",
    ),
    (
        "CMSContactHasDoneAnyActivityInTheLastXDays",
        {"_perfectum": "!", "days": "365"},
        "Contact has not done any activity in the last 365 day(s)",
        "!Contact.DidActivity(null, null, ToInt(365))",
    ),
    (
        "CMSContactHasDoneFollowingActivitiesInTheLastXDays",
        {"_perfectum": "", "_any": "false", "days": "7", "activities": "pagevisit;bizformsubmit"},
        "Contact has done any of the following activities in the last 7 day(s): "
        "pagevisit, bizformsubmit",
        'Contact.DidActivities("pagevisit;bizformsubmit", ToInt(7), false)',
    ),
    (
        "CMSContactHasDoneFollowingActivitiesInTheLastXDays",
        {"_perfectum": "!", "_any": "true", "days": "0", "activities": "pagevisit"},
        "Contact has not done all of the following activities in the last 0 day(s): pagevisit",
        '!Contact.DidActivities("pagevisit", ToInt(0), true)',
    ),
    (
        "CMSContactHasSubmittedSpecifiedFormInLastXDays",
        {"_perfectum": "", "item": "ContactUs", "days": "14"},
        "Contact has submitted form ContactUs in the last 14 day(s)",
        'Contact.SubmittedForm("ContactUs", ToInt(14))',
    ),
    (
        "CMSContactHasSubmittedSpecifiedFormInLastXDays",
        {"_perfectum": "!", "item": "ContactUs", "days": "14"},
        "Contact has not submitted form ContactUs in the last 14 day(s)",
        '!Contact.SubmittedForm("ContactUs", ToInt(14))',
    ),
    (
        "ContactHasEnteredASpecificValueInASpecificFormSFieldInTheLastXDays",
        {"_perfectum": "", "field": "DancingGoat;ContactUs;Topic", "value": "pricing",
         "days": "90"},
        "Contact has entered value pricing in form field DancingGoat;ContactUs;Topic in the "
        "last 90 day(s)",
        'Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Topic", "pricing", ToInt(90))',
    ),
    (
        "ContactHasEnteredASpecificValueInASpecificFormSFieldInTheLastXDays",
        {"_perfectum": "!", "field": "DancingGoat;ContactUs;Topic", "value": "pricing",
         "days": "90"},
        "Contact has not entered value pricing in form field DancingGoat;ContactUs;Topic in the "
        "last 90 day(s)",
        '!Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Topic", "pricing", ToInt(90))',
    ),
    (
        "CMSContactHasVisitedSpecifiedPageInLastXDays",
        {"_perfectum": "", "page": "/Products/Coffee", "days": "3"},
        "Contact has visited page /Products/Coffee in the last 3 day(s)",
        'Contact.VisitedPage("/Products/Coffee", ToInt(3))',
    ),
    (
        "CMSContactHasVisitedSpecifiedPageInLastXDays",
        {"_perfectum": "!", "page": "/Products/Coffee", "days": "3"},
        "Contact has not visited page /Products/Coffee in the last 3 day(s)",
        '!Contact.VisitedPage("/Products/Coffee", ToInt(3))',
    ),
    (
        "CMSContactHasLoggedInInTheLastXDays",
        {"_perfectum": "", "days": "7"},
        "Contact has logged in in the last 7 day(s)",
        "Contact.LoggedIn(ToInt(7))",
    ),
    (
        "CMSContactHasLoggedInInTheLastXDays",
        {"_perfectum": "!", "days": "7"},
        "Contact has not logged in in the last 7 day(s)",
        "!Contact.LoggedIn(ToInt(7))",
    ),
    (
        "CMSContactHasOpenedSpecifiedEmailInTheLastXDays",
        {"_perfectum": "", "email": "SpringNewsletter", "days": "30"},
        "Contact has opened email SpringNewsletter in the last 30 day(s)",
        'Contact.OpenedEmail("SpringNewsletter", ToInt(30))',
    ),
    (
        "CMSContactHasOpenedSpecifiedEmailInTheLastXDays",
        {"_perfectum": "!", "email": "SpringNewsletter", "days": "30"},
        "Contact has not opened email SpringNewsletter in the last 30 day(s)",
        '!Contact.OpenedEmail("SpringNewsletter", ToInt(30))',
    ),
    (
        "CMSContactHasClickedLinkInSpecifiedEmailInTheLastXDays",
        {"_perfectum": "", "email": "SpringNewsletter", "days": "30"},
        "Contact has clicked a link in email SpringNewsletter in the last 30 day(s)",
        'Contact.ClickedLinkInEmail("SpringNewsletter", ToInt(30))',
    ),
    (
        "CMSContactHasClickedLinkInSpecifiedEmailInTheLastXDays",
        {"_perfectum": "!", "email": "SpringNewsletter", "days": "30"},
        "Contact has not clicked a link in email SpringNewsletter in the last 30 day(s)",
        '!Contact.ClickedLinkInEmail("SpringNewsletter", ToInt(30))',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactEmail", "op": "Contains", "value": "@"},
        "Contact field E-mail address contains @",
        'Contact.ContactFieldContainsValue("ContactEmail", "Contains", "@")',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactEmail", "op": "NotContains", "value": "@"},
        "Contact field E-mail address does not contain @",
        'Contact.ContactFieldContainsValue("ContactEmail", "NotContains", "@")',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactLastName", "op": "StartsWith", "value": "Mc"},
        "Contact field Last name starts with Mc",
        'Contact.ContactFieldContainsValue("ContactLastName", "StartsWith", "Mc")',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactEmail", "op": "EndsWith", "value": ".cz"},
        "Contact field E-mail address ends with .cz",
        'Contact.ContactFieldContainsValue("ContactEmail", "EndsWith", ".cz")',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactCity", "op": "Equals", "value": "Brno"},
        "Contact field City equals Brno",
        'Contact.ContactFieldContainsValue("ContactCity", "Equals", "Brno")',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "ContactCity", "op": "NotEquals", "value": ""},
        'Contact field City does not equal ""',
        'Contact.ContactFieldContainsValue("ContactCity", "NotEquals", "")',
    ),
    (
        "CMSContactAgeIsBetween",
        {"_is": "", "age1": "18", "age2": "65"},
        "Contact age is between 18 and 65",
        "Contact.ContactAge.Between(ToInt(18), ToInt(65))",
    ),
    (
        "CMSContactAgeIsBetween",
        {"_is": "!", "age1": "1", "age2": "14"},
        "Contact age is not between 1 and 14",
        "!Contact.ContactAge.Between(ToInt(1), ToInt(14))",
    ),
    ("CMSContactIsMale", {"_is": ""}, "Contact is male", "(Contact.ContactGender == Gender.Male)"),
    (
        "CMSContactIsMale",
        {"_is": "!"},
        "Contact is not male",
        "!(Contact.ContactGender == Gender.Male)",
    ),
    (
        "CMSContactIsFemale",
        {"_is": ""},
        "Contact is female",
        "(Contact.ContactGender == Gender.Female)",
    ),
    (
        "CMSContactIsFemale",
        {"_is": "!"},
        "Contact is not female",
        "!(Contact.ContactGender == Gender.Female)",
    ),
    (
        "CMSContactIsFromCountry",
        {"_is": "", "countries": "CzechRepublic;SK"},
        "Contact is from any of the following countries: CzechRepublic, SK",
        'Contact.IsFromCountry("CzechRepublic;SK")',
    ),
    (
        "CMSContactIsFromCountry",
        {"_is": "!", "countries": "Germany"},
        "Contact is not from any of the following countries: Germany",
        '!Contact.IsFromCountry("Germany")',
    ),
    (
        "CMSContactIsInContactGroup",
        {"_is": "", "_any": "false", "groups": "Leads;Customers"},
        "Contact is in any of the contact groups: Leads, Customers",
        'Contact.IsInContactGroup("Leads;Customers", false)',
    ),
    (
        "CMSContactIsInContactGroup",
        {"_is": "!", "_any": "true", "groups": "Leads;Customers"},
        "Contact is not in all of the contact groups: Leads, Customers",
        '!Contact.IsInContactGroup("Leads;Customers", true)',
    ),
    (
        "CMSContactHasDownloadedSpecifiedFileInLastXDays",
        {"_perfectum": "", "item": "/Campaign-assets/whitepaper.pdf", "days": "30"},
        "Contact has downloaded file /Campaign-assets/whitepaper.pdf in the last 30 day(s)",
        'Contact.VisitedPage("/Campaign-assets/whitepaper.pdf", ToInt(30))',
    ),
    (
        "CMSContactHasDownloadedSpecifiedFileInLastXDays",
        {"_perfectum": "!", "item": "/Campaign-assets/whitepaper.pdf", "days": "0"},
        "Contact has not downloaded file /Campaign-assets/whitepaper.pdf in the last 0 day(s)",
        '!Contact.VisitedPage("/Campaign-assets/whitepaper.pdf", ToInt(0))',
    ),
    (
        "CMSContactHasVisitedPage",
        {"_perfectum": "", "page": "/Coffee"},
        "Contact has visited page /Coffee",
        'Contact.VisitedPage("/Coffee")',
    ),
    (
        "CMSContactHasVisitedPage",
        {"_perfectum": "!", "page": "/Coffee"},
        "Contact has not visited page /Coffee",
        '!Contact.VisitedPage("/Coffee")',
    ),
    (
        "CMSContactHasSubmittedForm",
        {"_perfectum": "", "form": "ContactUs"},
        "Contact has submitted form ContactUs",
        'Contact.SubmittedForm("ContactUs")',
    ),
    (
        "CMSContactHasSubmittedForm",
        {"_perfectum": "!", "form": "ContactUs"},
        "Contact has not submitted form ContactUs",
        '!Contact.SubmittedForm("ContactUs")',
    ),
    (
        "CMSCurrentDatetimeIsInRange",
        {"date1": "1/1/2026", "date2": "12/31/2026 11:59 PM"},
        "Current date/time is between 1/1/2026 and 12/31/2026 11:59 PM",
        'CurrentDateTime.Between(ToSystemDateTime("1/1/2026"), '
        'ToSystemDateTime("12/31/2026 11:59 PM"))',
    ),
    (
        "CMSContactFieldContainsValue",
        {"field": "Industry", "op": "StartsWith", "value": "Retail"},
        "Contact field Industry starts with Retail",
        'Contact.ContactFieldContainsValue("Industry", "StartsWith", "Retail")',
    ),
    (
        "CMSContactBelongsToAccount",
        {"_is": "", "account": "12"},
        "Contact is in account 12",
        "Contact.BelongsToAccount(12)",
    ),
    (
        "CMSContactBelongsToAccount",
        {"_is": "!", "account": "12"},
        "Contact is not in account 12",
        "!Contact.BelongsToAccount(12)",
    ),
]


def rule(code_name: str, **values: str) -> RuleInstance:
    return RuleInstance(code_name, values)


@pytest.mark.parametrize(("code_name", "values", "text", "kentico"), CASES)
def test_every_rule_renders_text_and_kentico(code_name, values, text, kentico):
    instance = RuleInstance(code_name, values)
    assert to_text(instance) == text
    assert to_kentico(instance) == kentico


def test_cases_cover_the_whole_catalogue_in_both_forms():
    covered = {code for code, *_ in CASES}
    assert covered == {r.code_name for r in RULES}
    for r in RULES:
        negations = [p for p in r.parameters if p.name in ("_perfectum", "_is")]
        for param in negations:
            used = {values[param.name] for code, values, *_ in CASES if code == r.code_name}
            assert used == {"", "!"}, r.code_name


def test_inactive_contacts_example():
    inactive = rule("CMSContactHasDoneAnyActivityInTheLastXDays", _perfectum="!", days="365")
    assert to_text(Group((inactive,))) == "Contact has not done any activity in the last 365 day(s)"


def test_special_parameters_map_words_to_kentico():
    expected = {
        "_perfectum": {"has": "", "has not": "!"},
        "_is": {"is": "", "is not": "!"},
        "_has": {"has": "", "does not have": "!"},
        "_any": {"any": "false", "all": "true"},
    }
    actual = {
        name: {c.text: c.value for c in param.choices} for name, param in SPECIAL_PARAMETERS.items()
    }
    assert actual == expected


def test_catalogue_entries_are_complete():
    for r in RULES:
        assert r.code_name.isidentifier() and r.display_name
        assert r.user_text.startswith(("Contact", "Current date"))
        for param in r.parameters:
            assert param.caption
            assert isinstance(param.value_type, ValueType)


def test_field_rule_offers_kentico_members_with_captions():
    field = get_rule("CMSContactFieldContainsValue").parameter("field")
    offered = {c.value: c.text for c in field.choices}
    assert offered["ContactEmail"] == "E-mail address"
    assert set(offered) == {
        "ContactFirstName",
        "ContactLastName",
        "ContactEmail",
        "ContactCompanyName",
        "ContactJobTitle",
        "ContactMobilePhone",
        "ContactCity",
        "ContactCountryName",
        "ContactStatus",
    }


def test_rule_lookup_is_case_insensitive_and_unknown_is_an_error():
    assert get_rule("cmscontactismale").code_name == "CMSContactIsMale"
    with pytest.raises(ConditionError, match="Unknown rule 'NoSuchRule'"):
        get_rule("NoSuchRule")


def test_new_instance_shows_prompts_until_filled():
    fresh = get_rule("CMSContactHasDoneFollowingActivitiesInTheLastXDays").new_instance()
    assert to_text(fresh) == (
        "Contact has done any of the following activities in the last <enter days> day(s): "
        "<select activities>"
    )
    with pytest.raises(ConditionError, match=r"'days'.*not set"):
        to_kentico(fresh)


def test_texts_show_captions_of_picked_values():
    instance = RuleInstance(
        "CMSContactHasDoneFollowingActivitiesInTheLastXDays",
        {"_perfectum": "", "_any": "false", "days": "7", "activities": "pagevisit;bizformsubmit"},
        {"activities": "Page visit\nForm submission"},
    )
    assert to_text(instance).endswith("day(s): Page visit, Form submission")


def test_choice_values_are_case_insensitive_and_canonicalised():
    instance = rule("CMSContactIsInContactGroup", _is="", _any="True", groups="Leads")
    assert to_kentico(instance) == 'Contact.IsInContactGroup("Leads", true)'


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"_perfectum": "", "days": "7) || true || (1"}, "must be a whole number"),
        ({"_perfectum": "", "days": "-1"}, "must be a whole number"),
        ({"_perfectum": "", "days": "1234567890"}, "must be a whole number"),
        ({"_perfectum": "", "days": ""}, "not set"),
        ({"_perfectum": "not", "days": "1"}, "must be one of"),
        ({"days": "1"}, "missing parameter"),
        ({"_perfectum": "", "days": "1", "extra": "x"}, "has no parameter 'extra'"),
    ],
)
def test_bad_values_are_refused(values, message):
    with pytest.raises(ConditionError, match=message):
        to_kentico(RuleInstance("CMSContactHasDoneAnyActivityInTheLastXDays", values))


def test_values_that_a_condition_cannot_store_are_refused():
    bad = rule("CMSContactHasSubmittedSpecifiedFormInLastXDays", _perfectum="", item="Acme\x00",
               days="1")
    with pytest.raises(ConditionError, match="U\\+0000"):
        to_kentico(bad)


def test_double_values_are_validated():
    money = ParameterDef("money", "enter value", ValueType.DOUBLE)
    assert money.check("12.5", "Rule") == "12.5"
    with pytest.raises(ConditionError, match="number such as"):
        money.check("1e9", "Rule")


def test_hostile_text_is_escaped_inside_the_string_literal():
    instance = rule("CMSContactHasSubmittedSpecifiedFormInLastXDays", _perfectum="",
                    item='a"); true || ("\\\n', days="1")
    assert to_kentico(instance) == (
        'Contact.SubmittedForm("a\\"); true || (\\"\\\\\\n", ToInt(1))')


def test_kentico_string_escapes():
    assert kentico_string('say "hi"\\\t\r\n') == '"say \\"hi\\"\\\\\\t\\r\\n"'


def test_free_text_placeholders_must_be_quoted():
    with pytest.raises(ValueError, match="must be quoted"):
        RuleDef(
            "Bad",
            "Bad",
            "Contact {name}",
            "Contact.X({name})",
            (ParameterDef("name", "enter name"),),
        )


def test_placeholders_must_match_parameters():
    with pytest.raises(ValueError, match="do not match"):
        RuleDef(
            "Bad", "Bad", "Contact", 'Contact.X("{name}")', (ParameterDef("name", "enter name"),)
        )


# --- and/or and brackets -------------------------------------------------------------------

A = rule("CMSContactIsMale", _is="")
B = rule("CMSContactIsFemale", _is="")
C = rule("CMSContactHasLoggedInInTheLastXDays", _perfectum="", days="7")
D = rule("CMSContactHasLoggedInInTheLastXDays", _perfectum="!", days="30")
E = rule("CMSContactBelongsToAccount", _is="", account="12")
KA, KB, KC, KD, KE = (to_kentico(x) for x in (A, B, C, D, E))
TA, TB, TC, TD, TE = (to_text(x) for x in (A, B, C, D, E))


def test_and_binds_tighter_than_or_and_brackets_become_parentheses():
    tree = Group.of(A, (Op.OR, B), (Op.AND, Group.of(C, (Op.OR, D))), (Op.AND, E))
    assert to_kentico(tree) == f"{KA} || {KB} && ({KC} || {KD}) && {KE}"
    assert to_text(tree) == f"{TA} or {TB} and ({TC} or {TD}) and {TE}"


def test_nested_brackets():
    tree = Group.of(Group.of(A, (Op.AND, Group.of(B, (Op.OR, C)))), (Op.OR, D))
    assert to_kentico(tree) == f"({KA} && ({KB} || {KC})) || {KD}"
    assert to_text(tree) == f"({TA} and ({TB} or {TC})) or {TD}"


def test_a_bracket_around_one_rule_is_kept():
    assert to_kentico(Group((Group((A,)),))) == f"({KA})"


def test_groups_need_items_and_operators_between_them():
    with pytest.raises(ConditionError, match="at least one rule"):
        Group(())
    with pytest.raises(ConditionError, match="and/or between"):
        Group((A, B))
