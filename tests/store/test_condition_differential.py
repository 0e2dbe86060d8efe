"""The store's two backends agree: compiled SQL and the in-memory evaluator select the same
live contacts, on generated databases and generated conditions, on SQLite and PostgreSQL.

Every example builds a small database through the store (contacts with nulls, empty strings,
mixed case and non-ASCII text; birthdays on and around the evaluation day; merged contacts
that keep their activities, accounts and memberships; activities exactly at, one microsecond
before and one after the edge of each "last X days" window; cancelling activities for the same
item and for another; form submissions with field values; accounts; groups; a custom field),
then checks a few conditions drawn from every contact method of
``store.binding.contact_methods.IMPLEMENTATIONS`` and from member comparisons, combined with ``&&``,
``||`` and ``!``. One ``now`` per example serves both sides.

Hypothesis drives the examples, but each one is generated from a seed with ``random.Random``:
drawing a whole database through hypothesis strategies costs ten times more than checking it,
and hypothesis's preference for small, first-choice values kept rare-but-decisive shapes
(a wildcard in a field value, a birthday on the evaluation day) out of most examples. Every
compound condition is checked whole and leaf by leaf, so a disagreement is never masked by
``&&``/``||`` and the failure message names the smallest disagreeing condition.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.binding.condition_service import check_condition, compile_condition
from store.binding.contact_methods import IMPLEMENTATIONS
from tests.store.condition_support import (
    ActivitySpec,
    ContactSpec,
    SubmissionSpec,
    World,
    build,
    k_string,
    live_ids,
    memory_ids,
    reset,
    sql_ids,
)

# One instant per example: a day after Feb 28 of a common year (Feb 29 birthdays), the last
# microsecond of a year, a midnight, and a leap day with a fraction of a second.
NOWS = (
    dt.datetime(2026, 3, 1, 12, 0, 0),
    dt.datetime(2025, 12, 31, 23, 59, 59, 999999),
    dt.datetime(2026, 2, 28, 0, 0, 0),
    dt.datetime(2024, 2, 29, 6, 30, 0, 500000),
)
WINDOW_DAYS = (1, 7, 30, 365)
MICROSECOND = dt.timedelta(microseconds=1)

# İ (dotted capital I) and K (KELVIN SIGN) fold onto ASCII i and k: SQLite's ASCII-only LIKE
# and NOCASE miss them, so the compiled SQL must take its exact path for them.
FIRST_NAMES = (None, "", "Anna", "ANNA", "anna-marie", "Ölaf", "Zoë", "José", "Łukasz", "smith",
               "\u0130lker", "ilker")
LAST_NAMES = (None, "", "Smith", "SMITH", "Smithson", "Novák", "O'Brien", "van der Berg",
              "Müller", "ÉLODIE")
EMAILS = (None, "", "anna@example.com", "ANNA@Example.COM", "josé@exämple.cz", "noatsign",
          "o'brien@x.ie", "100%_sure@x.org")
CITIES = (None, "", "Praha", "PRAHA", "Brno", "Zürich", "São Paulo", "\u212aolín", "Kolín")
COMPANIES = (None, "", "Acme", "ACME Corp", "Škoda")
COUNTRIES = ((None, None), ("", ""), ("CZ", "Czech Republic"), ("cz", "czech republic"),
             ("DE", "Germany"), ("US", "United States"), (None, "Czech Republic"),
             ("CZ", None), ("CI", "Côte d'Ivoire"), ("BA", "Bosnia-Herzegovina"),
             ("GB", "United Kingdom"), ("IT", "\u0130taly"), ("\u212aR", "South \u212aorea"))
CUSTOM_VALUES = (None, "", "Retail", "RETAIL", "Software & IT", "Café")
SCORES = (0, 5, -3, 100)

ACTIVITY_TYPES = ("pagevisit", "PageVisit", "pagev\u0130sit", "userlogin", "newsletteropen",
                  "newsletterclickthrough", "newslettersubscription",
                  "newsletterunsubscription", "bizformsubmit", "purchase", "filedownload")
ITEMS = (None, "", "n1", "N1", "n2", "Newsletter Ä")
URLS = (None, "", "/Home", "/home", "/Campaign-assets/whitepaper.pdf", "/products/ü",
        "https://www.Example.com/Home/?utm_source=mail#top", "/home/", "http://x.cz",
        "/Home?x=1", "/products/Ü/", "/a%_b")
FORMS = ("ContactUs", "contactus", "Newsletter", "Événement", "L\u0130nks")
SITES = ("DancingGoat", "dancinggoat", "Corporate", None)
FORM_FIELDS = ("Email", "email", "Message", "Země")
FORM_VALUES = (None, "", "yes", "YES", "Praha", "Ünïcode", "es", "%", "a_b")
ACCOUNT_NAMES = ("Acme", "ACME", "Müller GmbH", "O'Brien & Sons", "Žluťoučký kůň")
GROUP_CODES = ("g1", "G2", "VIP.list", "other-group")


# ----------------------------------------------------------------- data


def _birthday(now: dt.datetime, shift: int, years: int) -> dt.date:
    """A birthday ``years`` before ``now``'s date shifted by ``shift`` days (Feb 29 → 28)."""
    day = now.date() + dt.timedelta(days=shift)
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def birthday(rng: random.Random, now: dt.datetime) -> dt.date | None:
    kind = rng.choice(["none", "edge", "edge", "edge", "leap", "any"])
    if kind == "none":
        return None
    if kind == "leap":
        return rng.choice([dt.date(2000, 2, 29), dt.date(2004, 2, 29)])
    if kind == "any":
        return dt.date(1920, 1, 1) + dt.timedelta(days=rng.randrange(35000))
    return _birthday(now, rng.choice([-1, 0, 1]), rng.choice([1, 18, 37, 50]))


def time(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """At the edge of a window (one microsecond either side), long ago, or in the future."""
    kind = rng.choice(["edge"] * 6 + ["old", "future"])
    if kind == "old":
        return now - dt.timedelta(days=3000)
    if kind == "future":
        return now + dt.timedelta(hours=1)
    return (now - dt.timedelta(days=rng.choice(WINDOW_DAYS))
            + rng.choice([-1, 0, 1]) * MICROSECOND)


def activities(rng: random.Random, now: dt.datetime) -> list[ActivitySpec]:
    result = [ActivitySpec(rng.choice(ACTIVITY_TYPES), time(rng, now), rng.choice(ITEMS),
                           rng.choice(URLS)) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        # A subscription and a cancelling activity after it (or at the same instant, or
        # before it), for the same item (null included) or another one.
        base = ActivitySpec(rng.choice(["newslettersubscription", "pagevisit"]),
                            time(rng, now), rng.choice([None, None, "", "n1", "N1"]),
                            rng.choice(URLS))
        kind = rng.choice(["newsletterunsubscription"] * 3 + ["purchase", "userlogin"])
        later = base.at + rng.choice([MICROSECOND, dt.timedelta(days=1), -MICROSECOND,
                                      dt.timedelta(0)])
        item = base.item if rng.random() < 0.7 else rng.choice(ITEMS)
        result += [base, ActivitySpec(kind, later, item, None)]
    return result


def submissions(rng: random.Random, now: dt.datetime) -> list[SubmissionSpec]:
    return [SubmissionSpec(rng.choice(FORMS), time(rng, now),
                           [(rng.choice(FORM_FIELDS), rng.choice(FORM_VALUES))
                            for _ in range(rng.randint(0, 3))], rng.choice(SITES))
            for _ in range(rng.randint(0, 2))]


def contact_spec(rng: random.Random, now: dt.datetime) -> ContactSpec:
    code, name = rng.choice(COUNTRIES)
    fields = {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "email": rng.choice(EMAILS),
        "city": rng.choice(CITIES),
        "company": rng.choice(COMPANIES),
        "country_code": code,
        "country_name": name,
        "gender": rng.choice([0, 1, 2]),
        "birthday": birthday(rng, now),
        "score": rng.choice(SCORES),
    }
    return ContactSpec(fields=fields, created=time(rng, now) if rng.random() < 0.7 else None,
                       custom=rng.choice(CUSTOM_VALUES), has_custom_row=rng.random() < 0.5,
                       activities=activities(rng, now), submissions=submissions(rng, now))


def world(rng: random.Random, now: dt.datetime) -> World:
    specs = [contact_spec(rng, now) for _ in range(rng.randint(3, 7))]
    for index in range(1, len(specs)):
        if rng.random() < 0.25:  # a merged child of an earlier live contact
            parents = [i for i in range(index) if specs[i].merged_into is None]
            specs[index].merged_into = rng.choice(parents)

    def members() -> list[int]:
        return rng.sample(range(len(specs)), rng.randint(1, len(specs)))

    account_names = rng.sample(ACCOUNT_NAMES, rng.randint(1, 3))
    group_codes = rng.sample(GROUP_CODES, rng.randint(2, 4))
    return World(specs, {name: members() for name in account_names},
                 {code: members() for code in group_codes},
                 account_fields={name: {"city": rng.choice(CITIES),
                                        "country_code": rng.choice(COUNTRIES)[0]}
                                 for name in account_names},
                 group_fields={code: {"display_name": rng.choice((code, *CITIES[2:])),
                                      "description": rng.choice(("", *COMPANIES[2:]))}
                               for code in group_codes})


# ----------------------------------------------------------------- conditions

DAYS = ("null", "0", "-1", "1", "7", "30", "365", "ToInt(7)", "ToInt(-5)")
TYPE_LISTS = ("null", '""', '"pagevisit"', '"PageVisit;userlogin"', '"pagevisit; userlogin"',
              '"pagevisit;PageVisit"', '"userlogin;"',
              '" newslettersubscription ; purchase "', '"newslettersubscription"', '"nothing"',
              '";"', '"NewsletterSubscription"')
CANCEL_LISTS = ("null", '""', '"newsletterunsubscription"',
                '"NewsletterUnsubscription;purchase"', '"userlogin"', '"newsletterunsubscription"')
FORM_LISTS = ('"ContactUs"', '"contactus;Newsletter"', '"Événement"', '""', '"Missing"', "null",
              '"links"')
FIELD_REFS = ('"DancingGoat;ContactUs;Email"', '"dancinggoat;contactus;email"',
              '"DancingGoat;Newsletter;Email"', '"Corporate;ContactUs;Message"',
              '"DancingGoat;Événement;Země"', '"DancingGoat;Nope;Email"',
              '"DancingGoat;L\u0130nks;email"')
COUNTRY_LISTS = ('"CZ"', '"cz"', '"Czech Republic"', '"CzechRepublic"', '"czechrepublic"',
                 '"Germany;US"', '"CotedIvoire"', '"Côte d\'Ivoire"', '"BosniaHerzegovina"',
                 '""', '" ; "', '"Nowhere;gb"', '"italy"', '"SouthKorea;kr"')
GROUP_LISTS = ('"g1"', '"G1"', '"g1;g2"', '"g1;G1"', '"g2;VIP.list"', '""', '"missing"',
               '"g1;missing"',
               '"other-group; g1 ;VIP.LIST"')
ACCOUNT_REFS = ('"1"', '" 2 "', "1", "2", "3", "99", "ToInt(2)", "0")
FIELD_NAMES = ("ContactFirstName", "contactlastname", "ContactEmail", "ContactCity",
               "ContactCountryName", "ContactCompanyName", "Industry", "industry",
               "ContactGender", "ContactScore", "ContactAge", "ContactBirthday", "ContactID")
FIELD_OPS = ("Contains", "notcontains", "StartsWith", "ENDSWITH", "Equals", "NotEquals")
FIELD_VALUES = ('""', '"a"', '"A"', '"smith"', '"@"', '"1"', '"ö"', '"20"', '"retail"', "null",
                '"-"', '"%"', '"_"', '"100%_"', '"\\\\"')
EMAIL_NAMES = ('"n1"', '"N1"', '"n2"', '""', "null", '"newsletter ä"')
STRING_MEMBERS = ("ContactFirstName", "ContactLastName", "ContactEmail", "ContactCity",
                  "ContactCountryName", "ContactCountryCode", "ContactCompanyName", "Industry")
STRING_LITERALS = ("", "a", "A", "smith", "@", "ö", "Ö", "o'b", "%", "_", "é", "praha",
                   "czech republic", "retail", "anna@example.com", "100%_", "i", "K", "kolín",
                   "ilker", "\u0130")
AGES = (0, 1, 17, 18, 36, 37, 49, 50)
Args = tuple[tuple[str, ...], ...]


def _call(name: str, *arguments: tuple[str, ...], min_args: int = 0
          ) -> Callable[[random.Random], str]:
    """``Contact.<name>(…)`` with the first ``k >= min_args`` arguments, each from its pool."""
    def generate(rng: random.Random) -> str:
        count = rng.randint(min_args, len(arguments))
        return f"Contact.{name}({', '.join(rng.choice(pool) for pool in arguments[:count])})"
    return generate


def _strings(values: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(k_string(value) for value in values)


BOOLEANS = ("true", "false")
METHOD_CALLS: dict[str, Callable[[random.Random], str]] = {
    "DidActivity": _call("DidActivity", TYPE_LISTS, CANCEL_LISTS, DAYS),
    "DidActivities": _call("DidActivities", TYPE_LISTS[1:], DAYS, BOOLEANS, min_args=1),
    "SubmittedForm": _call("SubmittedForm", FORM_LISTS, DAYS, min_args=1),
    "FilledFormFieldWithValue": _call("FilledFormFieldWithValue", FIELD_REFS,
                                      _strings(FORM_VALUES), DAYS, min_args=2),
    "VisitedPage": _call("VisitedPage", _strings(URLS), DAYS, min_args=1),
    "LoggedIn": _call("LoggedIn", DAYS),
    "IsFromCountry": _call("IsFromCountry", COUNTRY_LISTS, min_args=1),
    "IsInContactGroup": _call("IsInContactGroup", GROUP_LISTS, BOOLEANS, min_args=1),
    "BelongsToAccount": _call("BelongsToAccount", ACCOUNT_REFS, min_args=1),
    "ContactFieldContainsValue": _call("ContactFieldContainsValue", _strings(FIELD_NAMES),
                                       _strings(FIELD_OPS), FIELD_VALUES, min_args=3),
    "OpenedEmail": _call("OpenedEmail", EMAIL_NAMES, DAYS, min_args=1),
    "ClickedLinkInEmail": _call("ClickedLinkInEmail", EMAIL_NAMES, DAYS, min_args=1),
}


def test_every_implemented_contact_method_has_a_generator() -> None:
    assert set(METHOD_CALLS) == set(IMPLEMENTATIONS)


MEMBER_COMPARISONS: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: (f"(Contact.ContactAge {rng.choice(['<', '<=', '==', '!=', '>', '>='])} "
                 f"{rng.choice(AGES)})"),
    lambda rng: (f"Contact.ContactAge.Between(ToInt({rng.choice(AGES)}), "
                 f"ToInt({rng.choice(AGES)}))"),
    lambda rng: rng.choice([
        "(Contact.ContactAge == null)", "(Contact.ContactGender == Gender.Male)",
        "(Contact.ContactGender == Gender.Female)", "(Contact.ContactGender != 0)",
        "(Contact.ContactBirthday == null)", "(Contact.ContactScore > 0)",
        "(Contact.Industry == null)", "(Contact.ContactBirthday.Month == CurrentDateTime.Month)",
        "(Contact.ContactBirthday.Day == CurrentDateTime.Day)",
        "(Contact.ContactCreated >= CurrentDateTime)", "Contact.ContactEmail.IsNullOrEmpty()",
        '(Contact.ContactGender == "1")', "(Contact.ContactCreated >= Now.AddDays(-30))",
        "(Contact.ContactBirthday.Date == CurrentDateTime.Date.AddYears(-50))",
        "(Contact.ContactGender == 1 ? Contact.ContactCity.IsNullOrEmpty() : "
        "Contact.ContactScore > 0)"]),
    lambda rng: (f"Contact.{rng.choice(STRING_MEMBERS)}."
                 f"{rng.choice(['Contains', 'NotContains', 'StartsWith', 'EndsWith'])}"
                 f"({k_string(rng.choice(STRING_LITERALS))})"),
    lambda rng: (f"(Contact.{rng.choice(STRING_MEMBERS)} {rng.choice(['==', '!='])} "
                 f"{k_string(rng.choice((*STRING_LITERALS, None)))})"),
)
ITEM_TEXTS = {"Contact.Accounts": ("AccountName", "AccountCity", "AccountCountryCode"),
              "Contact.ContactGroups": ("ContactGroupName", "ContactGroupDisplayName",
                                        "ContactGroupDescription")}
ITEM_IDS = {"Contact.Accounts": "AccountID", "Contact.ContactGroups": "ContactGroupID"}
ITEM_LITERALS = (*STRING_LITERALS, *ACCOUNT_NAMES, *GROUP_CODES, "acme", "vip.LIST", "ü")


def item_test(rng: random.Random, relation: str) -> str:
    """A test of one item's text column: against a literal, or the contact's own field."""
    column = rng.choice(ITEM_TEXTS[relation])
    other = (f"Contact.{rng.choice(STRING_MEMBERS)}" if rng.random() < 0.2
             else k_string(rng.choice((*ITEM_LITERALS, None))))
    if rng.random() < 0.5:
        return f"{column} {rng.choice(['==', '!=', '<', '>='])} {other}"
    return f"{column}.{rng.choice(['Contains', 'NotContains', 'StartsWith', 'EndsWith'])}({other})"


def exists(rng: random.Random) -> str:
    """``Contact.<collection>.Exists(…)``: nothing, one item test, or two joined."""
    relation = rng.choice(list(ITEM_TEXTS))
    tests = [item_test(rng, relation) for _ in range(rng.randint(0, 2))]
    if rng.random() < 0.2:
        tests.append(f"{ITEM_IDS[relation]} {rng.choice(['==', '>'])} {rng.randint(1, 4)}")
    predicate = f" {rng.choice(['&&', '||'])} ".join(tests)
    return f"{'!' if rng.random() < 0.3 else ''}{relation}.Exists({predicate})"


# DidActivity's cancellation needs the rarest data shape (a lone cancelled activity): weighted.
LEAVES = (*METHOD_CALLS.values(), METHOD_CALLS["DidActivity"], METHOD_CALLS["DidActivity"],
          *MEMBER_COMPARISONS, exists, exists)


def condition(rng: random.Random, leaves: list[str], depth: int = 0) -> str:
    """A condition over random leaves, combined with ``!``, ``&&`` and ``||``; its leaves are
    appended to ``leaves``."""
    shape = rng.choice(["leaf", "leaf", "not", "and", "or"]) if depth < 2 else "leaf"
    if shape == "leaf":
        leaves.append(rng.choice(LEAVES)(rng))
        return leaves[-1]
    if shape == "not":
        return f"!({condition(rng, leaves, depth + 1)})"
    parts = [condition(rng, leaves, depth + 1) for _ in range(rng.randint(2, 3))]
    return "(" + (" && " if shape == "and" else " || ").join(parts) + ")"


# ----------------------------------------------------------------- the property


def assert_backends_agree(engine: str, text: str, now: dt.datetime, live: set[int],
                          built: World) -> None:
    checked = check_condition(text)
    in_sql, in_memory = sql_ids(checked, now), memory_ids(checked, now)
    assert in_sql <= live, f"{engine}: {text}: merged contacts selected by SQL"
    assert in_sql == in_memory, (
        f"{engine}, now={now!r}: {text}\nSQL only: {sorted(in_sql - in_memory)}, "
        f"memory only: {sorted(in_memory - in_sql)}\n{compile_condition(checked, now).sql}\n"
        f"{built!r}")


@settings(max_examples=200, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), now=st.sampled_from(NOWS))
def test_sql_and_memory_select_the_same_live_contacts(db, seed: int, now: dt.datetime) -> None:
    rng = random.Random(seed)
    built = world(rng, now)
    reset()
    build(built)
    live = live_ids()
    for _ in range(2):
        leaves: list[str] = []
        text = condition(rng, leaves)
        wrap = case_sensitive if rng.random() < 0.3 else str
        for leaf in leaves:  # leaf by leaf first: the smallest disagreement is reported
            assert_backends_agree(db.engine, wrap(leaf), now, live, built)
        if text not in leaves:
            assert_backends_agree(db.engine, wrap(text), now, live, built)


def case_sensitive(text: str) -> str:
    """The condition as Kentico stores it with case-sensitive string comparisons."""
    return f"{{%{text}|(casesensitive)true%}}"

