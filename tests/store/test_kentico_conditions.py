"""Kentico's own conditions (reference/kentico.md §2.2 and §3) select, on hand-built contacts,
exactly the contacts Kentico would: through ``count_matching``, the compiled query and the
in-memory evaluator, on SQLite and PostgreSQL.

The evaluation instant is fixed; every time below is relative to it, several exactly at the
edge of a window ("in the last 7 days" includes 7 days ago to the microsecond).
"""

from __future__ import annotations

import datetime as dt

import pytest

from store.binding.condition_service import check_condition, compile_condition, count_matching
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
US = dt.timedelta(microseconds=1)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


NAMES = ("smith", "smithson", "smyth", "novak", "child", "empty")
CONTACTS = {
    # Male, 50 today, Czech; visited a page exactly 5 days ago, logged in 6 days ago, sent
    # ContactUs exactly 7 days ago; in g1 and g2.
    "smith": ContactSpec(
        fields={"first_name": "John", "last_name": "Smith", "email": "john.smith@example.com",
                "gender": 1, "birthday": dt.date(1976, 3, 1), "country_code": "CZ",
                "country_name": "Czech Republic"},
        activities=[ActivitySpec("pagevisit", ago(5), None, "/Home"),
                    ActivitySpec("userlogin", ago(6))],
        submissions=[SubmissionSpec("ContactUs", ago(7), [("Email", "john.smith@example.com")])]),
    # Female, 100 today, Czech by name only; a page visit one microsecond before the 5-day
    # window, the whitepaper long ago; ContactUs one microsecond too early; in g1.
    "smithson": ContactSpec(
        fields={"last_name": "SMITHSON", "email": "SMITHSON@EXAMPLE.COM", "gender": 2,
                "birthday": dt.date(1926, 3, 1), "country_name": "czech republic"},
        activities=[ActivitySpec("pagevisit", ago(5) - US, None, "/Products"),
                    ActivitySpec("pagevisit", ago(3000), None, "/Campaign-assets/whitepaper.pdf")],
        submissions=[SubmissionSpec("ContactUs", ago(7) - US)]),
    # Unknown gender, 50 tomorrow (49 now), Slovak; logged in exactly 7 days ago; subscribed
    # to n1 and unsubscribed from it a day later; sent "contactus" yesterday; in g2.
    "smyth": ContactSpec(
        fields={"last_name": "Smyth", "gender": 0, "birthday": dt.date(1976, 3, 2),
                "country_code": "SK", "country_name": "Slovakia"},
        activities=[ActivitySpec("userlogin", ago(7)),
                    ActivitySpec("newslettersubscription", ago(10), "n1"),
                    ActivitySpec("newsletterunsubscription", ago(9), "n1")],
        submissions=[SubmissionSpec("contactus", ago(1))]),
    # Male, no birthday or last name, empty email, German; subscribed to n2 but unsubscribed
    # from n1 (another item: not cancelled); logged in 8 days ago; the whitepaper yesterday
    # under another letter case.
    "novak": ContactSpec(
        fields={"first_name": "Jan", "email": "", "gender": 1, "country_code": "DE",
                "country_name": "Germany"},
        activities=[ActivitySpec("newslettersubscription", ago(10), "n2"),
                    ActivitySpec("newsletterunsubscription", ago(9), "n1"),
                    ActivitySpec("userlogin", ago(8)),
                    ActivitySpec("pagevisit", ago(1), None, "/campaign-assets/WHITEPAPER.pdf")]),
    # Merged into smith: would match nearly everything, must match nothing.
    "child": ContactSpec(
        fields={"last_name": "Smith", "email": "child@example.com", "gender": 1,
                "birthday": dt.date(1966, 1, 1), "country_code": "CZ",
                "country_name": "Czech Republic"},
        activities=[ActivitySpec(t, ago(1), None, "/Campaign-assets/whitepaper.pdf")
                    for t in ("pagevisit", "userlogin", "newslettersubscription")],
        submissions=[SubmissionSpec("ContactUs", ago(1))],
        merged_into=0),
    "empty": ContactSpec(),
}
GROUPS = {"g1": ["smith", "smithson", "child"], "g2": ["smith", "smyth", "child"]}
LIVE = {"smith", "smithson", "smyth", "novak", "empty"}

RULE = (
    '{%Rule("(Contact.ContactGender == Gender.Male) && Contact.LoggedIn(ToInt(7))", '
    '"<rules><r pos=\\"0\\" par=\\"\\" op=\\"and\\" n=\\"CMSContactIsMale\\" >'
    '<p n=\\"_is\\"><t>is</t><v></v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p>'
    '</r><r pos=\\"1\\" par=\\"\\" op=\\"and\\" n=\\"CMSContactHasLoggedInInTheLastXDays\\" >'
    '<p n=\\"_perfectum\\"><t>has</t><v></v><r>0</r><d>select operation</d><vt>text</vt>'
    '<tv>0</tv></p><p n=\\"days\\"><t>7</t><v>7</v><r>1</r><d>enter days</d><vt>integer</vt>'
    '<tv>0</tv></p></r></rules>")|(identity)GlobalAdministrator|(hash)9f86d081884c7d659a2feaa0c55'
    'ad015a3bf4f1b2b0b822cd15d6c15b0f00a08%}'
)

CASES = [
    ('{%Contact.ContactLastName.Contains("Smith")%}', {"smith", "smithson"}),
    ("Contact.DidActivity(null, null, ToInt(5))", {"smith", "novak"}),
    ("(Contact.ContactGender == Gender.Male)", {"smith", "novak"}),
    ("!(Contact.ContactGender == Gender.Male)", {"smithson", "smyth", "empty"}),
    ("Contact.ContactAge.Between(ToInt(50), ToInt(100))", {"smith", "smithson"}),
    ("!Contact.ContactAge.Between(ToInt(50), ToInt(100))", {"smyth", "novak", "empty"}),
    ('Contact.IsFromCountry("CzechRepublic")', {"smith", "smithson"}),
    ('Contact.IsFromCountry("Slovakia;DE")', {"smyth", "novak"}),
    ('Contact.DidActivities("pagevisit", ToInt(50), true)', {"smith", "smithson", "novak"}),
    ('Contact.DidActivities("pagevisit;userlogin", ToInt(7), true)', {"smith"}),
    ('Contact.SubmittedForm("ContactUs", ToInt(7))', {"smith", "smyth"}),
    ("Contact.LoggedIn(ToInt(7))", {"smith", "smyth"}),
    ("!Contact.LoggedIn(ToInt(7))", {"smithson", "novak", "empty"}),
    ('Contact.VisitedPage("/Campaign-assets/whitepaper.pdf", ToInt(0))', {"smithson", "novak"}),
    ('Contact.VisitedPage("/Campaign-assets/whitepaper.pdf", ToInt(30))', {"novak"}),
    ('Contact.IsInContactGroup("g1;g2", true)', {"smith"}),
    ('Contact.IsInContactGroup("g1;g2", false)', {"smith", "smithson", "smyth"}),
    ('!Contact.IsInContactGroup("g1;g2", false)', {"novak", "empty"}),
    ('Contact.ContactEmail.Contains("@")', {"smith", "smithson"}),
    ('Contact.ContactFieldContainsValue("ContactEmail", "NotContains", "@")',
     {"smyth", "novak", "empty"}),
    (RULE, {"smith"}),
    ('CurrentDateTime.Month.EqualsAny("1|2|3|4|5|6|7|8|9|10|11|12".Split("|"))', LIVE),
    ('CurrentDateTime.Month.EqualsAny("4|5".Split("|"))', set()),
    ('Contact.DidActivity("newslettersubscription", "newsletterunsubscription", ToInt(30))',
     {"novak"}),
    ("!Contact.DidActivity(null, null, ToInt(365))", {"empty"}),
    ('Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Email", "JOHN.SMITH@", 7)',
     {"smith"}),
]


@pytest.fixture
def ids(db) -> dict[str, int]:
    reset()
    specs = [CONTACTS[name] for name in NAMES]
    contact_ids = build(World(specs, groups={code: [NAMES.index(n) for n in members]
                                             for code, members in GROUPS.items()}))
    return dict(zip(NAMES, contact_ids, strict=True))


@pytest.mark.parametrize(("condition", "names"), CASES, ids=[c for c, _ in CASES])
def test_kentico_condition_selects_what_kentico_would(ids, db, condition: str,
                                                      names: set[str]) -> None:
    checked = check_condition(condition)
    compiled = compile_condition(checked, NOW)
    assert compiled.translatable, compiled.reason
    want = {ids[name] for name in names}
    assert sql_ids(checked, NOW) == want
    assert memory_ids(checked, NOW) == want
    assert count_matching(checked, NOW) == len(want)


def test_the_designer_condition_shows_its_rule_text(ids, db) -> None:
    from store.binding.condition_service import describe

    assert describe(RULE) == "Contact is male and Contact has logged in in the last 7 day(s)"
