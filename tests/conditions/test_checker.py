"""Type checking: names, suggestions, arity, argument types, boolean results."""

from __future__ import annotations

import pytest

from conditions import CONTACT_SCHEMA, ConditionError, Type, check, default_registry

from .support import SCHEMA

REGISTRY = default_registry()


def error(text: str, schema=SCHEMA) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        check(text, schema, REGISTRY)
    return info.value


def test_unknown_member_names_it_with_position_and_suggestion():
    err = error('Contact.ContactEmial == "x"')
    assert str(err) == (
        "line 1, column 9: unknown member 'ContactEmial' (did you mean ContactEmail?)"
    )
    assert err.caret.splitlines()[1] == "        ^"


def test_member_names_are_case_insensitive():
    assert check('contact.contactemail == "x"', SCHEMA, REGISTRY).root.left.name == (
        "Contact.ContactEmail"
    )


def test_custom_fields_come_from_the_callers_schema():
    assert check("Contact.IsVip", SCHEMA, REGISTRY)
    assert "unknown member 'IsVip'" in error("Contact.IsVip", CONTACT_SCHEMA).message


@pytest.mark.parametrize(("text", "name", "column"), [
    # Kentico conditions from reference/kentico.md §2.2 that use what we do not have.
    ("(Contact.Orders.Count >= ToInt(2))", "Orders", 10),
    ('!Contact.Wishlist.Exists(SKUGUID == "0c8a")', "Wishlist", 10),
    ('Contact.IsInPersona("6e4b")', "IsInPersona", 9),
    ('Contact.SpentMoney(ToDouble(5), ToDouble(100000), ToInt(1000))', "SpentMoney", 9),
    ('SubscribedToNewsletter(Contact, "news")', "SubscribedToNewsletter", 1),
    ('{%Rule("Contact.AgreedWithConsent(\\"f\\")", "<rules/>")%}', "AgreedWithConsent", 17),
])
def test_kentico_names_we_do_not_have_are_unknown_at_their_position(text, name, column):
    err = error(text)
    assert err.message.startswith("unknown ")
    assert f"'{name}'" in err.message
    assert err.column == column


def test_unknown_name_suggestion_for_a_bare_identifier():
    assert "did you mean CurrentDateTime?" in error("CurrentDatetim.Month == 1").message


def test_unknown_method_of_a_type_suggests_a_close_one():
    err = error('Contact.ContactEmail.Contain("@")')
    assert err.message == "unknown method 'Contain' of a string (did you mean Contains?)"
    assert err.column == 22


def test_unknown_function():
    assert error("ToInteger(1) == 1").message.startswith("unknown function 'ToInteger'")


def test_bare_contact_is_not_a_value():
    assert "is not a value" in error("Contact == null").message


def test_wrong_arity_too_many_points_at_the_extra_argument():
    err = error('Contact.ContactEmail.Contains("a", "b")')
    assert err.message == "too many arguments: Contains takes at most 1"
    assert err.column == 36


def test_wrong_arity_too_few():
    err = error("Contact.ContactAge.Between(1)")
    assert err.message.startswith("Between needs 2 argument(s)")


def test_wrong_argument_type_points_at_the_argument():
    err = error('Contact.ContactAge.Between("a", 5)')
    assert err.message == "argument 1 (low) of Between must be decimal or int, not string"
    assert err.column == 28


def test_contact_method_argument_types():
    err = error('Contact.DidActivities("pagevisit", "7")')
    assert "argument 2 (days) of Contact.DidActivities must be int" in err.message


def test_did_activity_refuses_raw_sql():
    err = error('Contact.DidActivity("pagevisit", null, 7, "ActivityValue = 1")')
    assert "conditions never carry SQL" in err.message
    assert err.column == 43


def test_contact_field_contains_value_validates_field_and_operator():
    assert "unknown contact field 'Emial'" in error(
        'Contact.ContactFieldContainsValue("Emial", "Contains", "@")').message
    assert "unknown operator 'Like'" in error(
        'Contact.ContactFieldContainsValue("ContactEmail", "Like", "@")').message
    assert check('Contact.ContactFieldContainsValue("contactemail", "notcontains", "@")', SCHEMA,
                 REGISTRY)


def test_kentico_prefix_and_infix_forms():
    assert check('DidActivity(Contact, "pagevisit", null, 7)', SCHEMA, REGISTRY)
    assert check('"7".ToInt() == 7', SCHEMA, REGISTRY)
    assert check('Contains(Contact.ContactEmail, "@")', SCHEMA, REGISTRY)
    assert "write Contact.LoggedIn" in error("LoggedIn(7)").message


@pytest.mark.parametrize(("text", "kind"), [
    ("Contact.ContactAge", "an int"),
    ('"yes"', "a string"),
    ("null", "null"),
    ("Contact.ContactCreated", "a datetime"),
])
def test_non_boolean_conditions(text, kind):
    err = error(text)
    assert err.message == f"a condition must be true or false, but this is {kind}"


@pytest.mark.parametrize(("text", "message"), [
    ("Contact.ContactAge == true", "operator '==' cannot combine int and bool"),
    ("Contact.ContactCreated > 5", "operator '>' cannot combine datetime and int"),
    ('"a" - "b" == ""', "operator '-' cannot combine string and string"),
    ("1.5 mod 2 == 0", "operator 'mod' cannot combine decimal and int"),
    ("true < false", "operator '<' cannot combine bool and bool"),
    ('Contact.ContactAge ?? "x" == true', "operator '==' cannot combine string and bool"),
    ('Contact.ContactEmail && true', "'&&' needs true or false, not a string"),
    ("!Contact.ContactAge", "'!' needs true or false, not an int"),
    ('-"a" == 1', "'-' needs a number, not string"),
    ("99999999999999999999 == 1", "integer out of range (64-bit)"),
    ("1e999 == 1", "number out of range"),
])
def test_operator_type_errors(text, message):
    assert error(text).message == message


def test_valid_kentico_conditions_check():
    for text in [
        "{%Contact.ContactAge.Between(ToInt(50), ToInt(100))%}",
        "(Contact.ContactGender == Gender.Male)",
        "!(Contact.ContactGender == Gender.Female)",
        'Contact.IsFromCountry("CzechRepublic;US")',
        'Contact.VisitedPage("/Campaign-assets/x", ToInt(0))',
        'Contact.DidActivities("pagevisit", ToInt(50), true)',
        "Contact.LoggedIn(ToInt(7))",
        'Contact.SubmittedForm("ContactUs", ToInt(7))',
        'Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Email", "value", 5)',
        'Contact.IsInContactGroup("g1;g2", false)',
        "Contact.BelongsToAccount(12)",
        'Contact.OpenedEmail("issue", 3) || Contact.ClickedLinkInEmail("issue", 3)',
        'CurrentDateTime.Between(ToSystemDateTime("1/1/2020"), ToSystemDateTime("9/3/2030"))',
        'CurrentDateTime.DayOfWeek.EqualsAny("0|6".Split("|"))',
        "DateTime.Now > Contact.ContactCreated",
        "Contact.ContactScore * 2 + 1 > 10 && Contact.ContactAge mod 2 == 0",
        'Contact.ContactCity + ", " + Contact.ContactCountryName != ", "',
    ]:
        assert check(text, SCHEMA, REGISTRY).root.type is Type.BOOL, text


# ------------------------------------------------------------------ Contact.<collection>.Exists


@pytest.mark.parametrize("text", [
    'Contact.Accounts.Exists(AccountName == "Acme")',
    'contact.accounts.exists(accountname.StartsWith("ac") && !(AccountCity == null))',
    'Contact.ContactGroups.Exists(ContactGroupName == "newsletter" || ContactGroupID > 2)',
    'Contact.ContactGroups.Exists(ContactGroupDisplayName.Contains(Contact.ContactCity))',
    "Contact.Accounts.Exists()",
    "!Contact.ContactGroups.Exists() && Contact.Accounts.Exists(AccountCreated < Now)",
    'Exists(Contact.Accounts, AccountName == "Acme")',  # K#'s prefix form of a method
])
def test_exists_takes_a_predicate_over_the_items_columns(text):
    assert check(text, SCHEMA, REGISTRY).root.type is Type.BOOL


def test_an_items_column_is_declared_under_its_item_not_the_contact():
    exists = check('Contact.Accounts.Exists(accountname == "a")', SCHEMA, REGISTRY).root
    assert exists.relation == "Contact.Accounts"
    assert exists.predicate.left.name == "Account.AccountName"


@pytest.mark.parametrize(("text", "message", "column"), [
    ('Contact.Accounts.Exists(AcountName == "x")',
     "'AcountName' is not a column of an account (did you mean AccountName?); its columns "
     "are AccountID, AccountName, AccountCity, AccountCountryCode, AccountCreated", 25),
    ("Contact.Accounts.Exists(AccountCountryID == 59)",
     "'AccountCountryID' is not a column of an account (did you mean AccountCountryCode?)", 25),
    ('Contact.ContactGroups.Exists(AccountName == "x")',
     "'AccountName' is not a column of a contact group", 30),
    ("Contact.Accounts.Exists(AccountName)",
     "the condition of Contact.Accounts.Exists needs true or false, not a string", 25),
    ('Contact.Accounts.Exists(AccountName == "a", true)',
     "too many arguments: Contact.Accounts.Exists takes at most 1", 45),
    ('Contact.Accounts.Exists(Contact.ContactGroups.Exists(ContactGroupName == "g"))',
     "Contact.ContactGroups.Exists cannot be used inside the condition of another Exists", 47),
    ('Contact.Accounts.Any(AccountName == "x")',
     "unknown method 'Any' of Contact.Accounts: use Contact.Accounts.Count or "
     "Contact.Accounts.Exists(...) over its accounts' columns", 18),
    ('AccountName == "x"', "unknown name 'AccountName'", 1),
])
def test_exists_refuses_what_it_cannot_answer_at_its_position(text, message, column):
    err = error(text)
    assert err.message.startswith(message)
    assert err.column == column
