"""Hostile text in contact data and in condition literals matches literally, and only
literally, on both backends and both engines; nothing of it reaches the SQL text.

SPEC §5/§11: ``%``, ``_`` and ``\\`` are literal, quotes and SQL in values are data, the SQL
carries bound parameters only. Each probe is answered three ways — the compiled query, the
in-memory evaluator and ``count_matching`` — and compared with the ids Python's own
``str.lower``/``in`` select from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from conditions import url_path
from store.binding.condition_service import (
    InvalidCondition,
    check_condition,
    compile_condition,
    count_matching,
)
from store.db.database import database_proxy
from store.db.models import Account, Activity, Contact, FormFieldValue, FormSubmission
from tests.store.condition_support import (
    ActivitySpec,
    ContactSpec,
    SubmissionSpec,
    World,
    build,
    k_string,
    memory_ids,
    reset,
    sql_ids,
)

NOW = dt.datetime(2026, 3, 1, 12, 0, 0)
HOSTILE = (
    "'; DROP TABLE contact; --",
    '"); DROP TABLE activity; --',
    "O'Brien",
    "o''brien",
    'say "hi"',
    "100% sure",
    "1000 sure",
    "a_b",
    "aXb",
    "back\\slash",
    "backslash",
    "C:\\new\\table",
    "\\",
    "\\%",
    "%",
    "_",
    "50%_off",
    "tab\there",
    "line\nbreak\r\n",
    "🎉 party",
    "Ångström café",
    "$1 ?? :name %s %(x)s {0}",
)


def hostile_world() -> World:
    """One contact per hostile string, carrying it in every text a condition can read."""
    specs = []
    for text in HOSTILE:
        specs.append(ContactSpec(
            fields={"last_name": text, "company": text, "city": text},
            custom=text,
            activities=[ActivitySpec("pagevisit", NOW - dt.timedelta(days=1), None, text),
                        ActivitySpec("newsletteropen", NOW - dt.timedelta(days=1), text, None)],
            submissions=[SubmissionSpec("ContactUs", NOW - dt.timedelta(days=1),
                                        [("Comment", text)])]))
    specs.append(ContactSpec(fields={"last_name": None}))  # and one with nothing at all
    accounts = {text: [index] for index, text in enumerate(HOSTILE)}
    return World(specs, accounts=accounts)


@pytest.fixture
def hostile(db) -> dict[str, int]:
    """The hostile world on a fresh database: hostile string → its contact's id."""
    reset()
    ids = build(hostile_world())
    return dict(zip(HOSTILE, ids, strict=False))


def expected(ids: dict[str, int], test: Callable[[str], bool]) -> set[int]:
    return {contact_id for text, contact_id in ids.items() if test(text.lower())}


def literal(text: str) -> str:
    """``k_string`` with tabs written as the K# escape (backslash, t): a raw tab in the source is
    turned into spaces by the parser (see the xfail test at the end)."""
    return k_string(text).replace("\t", "\\t")


def answers(text: str) -> tuple[set[int], set[int], int]:
    checked = check_condition(text)
    return sql_ids(checked, NOW), memory_ids(checked, NOW), count_matching(checked, NOW)


PROBES: dict[str, tuple[str, Callable[[str, str], bool]]] = {
    # name: (K# template with {} for the literal, Python test (haystack, needle) lowercased)
    "Contains": ("Contact.ContactLastName.Contains({})", lambda h, n: n in h),
    "StartsWith": ("Contact.ContactCompanyName.StartsWith({})", lambda h, n: h.startswith(n)),
    "EndsWith": ("Contact.ContactCity.EndsWith({})", lambda h, n: h.endswith(n)),
    "Equals": ("(Contact.ContactLastName == {})", lambda h, n: h == n),
    "NotContains": ("Contact.Industry.NotContains({})", lambda h, n: n not in h),
    "FieldContains": ('Contact.ContactFieldContainsValue("ContactLastName", "Contains", {})',
                      lambda h, n: n in h),
    "FieldStartsWith": ('Contact.ContactFieldContainsValue("Industry", "StartsWith", {})',
                        lambda h, n: h.startswith(n)),
    "FieldEndsWith": ('Contact.ContactFieldContainsValue("ContactCity", "EndsWith", {})',
                      lambda h, n: h.endswith(n)),
    "FieldNotContains": ('Contact.ContactFieldContainsValue("ContactCompanyName", '
                         '"NotContains", {})', lambda h, n: n not in h),
    "FieldEquals": ('Contact.ContactFieldContainsValue("ContactLastName", "Equals", {})',
                    lambda h, n: h == n),
    "FieldNotEquals": ('Contact.ContactFieldContainsValue("Industry", "NotEquals", {})',
                       lambda h, n: h != n),
    "VisitedPage": ("Contact.VisitedPage({}, 7)", lambda h, n: url_path(h) == url_path(n)),
    "OpenedEmail": ("Contact.OpenedEmail({}, 7)", lambda h, n: h == n),
    "FilledFormField": ('Contact.FilledFormFieldWithValue("DancingGoat;ContactUs;Comment", {},'
                        ' 7)', lambda h, n: n in h),
}


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_hostile_literals_match_literally_on_both_backends(hostile, db, probe: str) -> None:
    template, test = PROBES[probe]
    failures = []
    for needle in HOSTILE:
        for variant in {needle, needle.upper()}:
            text = template.format(literal(variant))
            want = expected(hostile, lambda h, v=variant: test(h, v.lower()))
            if probe.startswith(("NotContains", "FieldNot")):
                want.add(max(hostile.values()) + 1)  # the contact with nothing: null is ""
            got = answers(text)
            if got != (want, want, len(want)):
                failures.append(f"{text!r}: want {sorted(want)}, SQL/memory/count {got}")
    assert not failures, f"{db.engine}:\n" + "\n".join(failures)


def test_hostile_account_references_are_refused_before_any_sql(hostile, db) -> None:
    """BelongsToAccount takes an id: text that is not one never gets as far as a query."""
    for needle in HOSTILE:
        with pytest.raises(InvalidCondition, match="account's id"):
            check_condition(f"Contact.BelongsToAccount({literal(needle)})")


def test_wildcards_in_literals_are_literal(hostile, db) -> None:
    assert answers('Contact.ContactLastName.Contains("100%")') == ({hostile["100% sure"]},) * 2 \
        + (1,)
    assert answers('Contact.ContactLastName.Contains("a_b")') == ({hostile["a_b"]},) * 2 + (1,)
    assert answers('Contact.ContactLastName.StartsWith("%")') == ({hostile["%"]},) * 2 + (1,)
    assert answers('Contact.ContactFieldContainsValue("ContactLastName", "Contains", "_")') \
        == ({hostile["a_b"], hostile["_"], hostile["50%_off"]},) * 2 + (3,)
    backslashes = {hostile[t] for t in ("back\\slash", "C:\\new\\table", "\\", "\\%")}
    assert answers('Contact.ContactLastName.Contains("\\\\")') == (backslashes,) * 2 \
        + (len(backslashes),)
    assert answers('Contact.ContactLastName.Contains("\\\\%")') == ({hostile["\\%"]},) * 2 \
        + (1,)


def test_escaped_quotes_in_k_sharp_strings_are_data(hostile, db) -> None:
    assert answers('Contact.ContactLastName == "say \\"hi\\""') == ({hostile['say "hi"']},) * 2 \
        + (1,)
    assert answers("Contact.ContactLastName.Contains(\"'\")") == (
        {hostile["'; DROP TABLE contact; --"], hostile["O'Brien"], hostile["o''brien"]},) * 2 \
        + (3,)
    # A doubled quote is two quotes, not an SQL escape of one.
    assert answers("Contact.ContactLastName == \"o''brien\"") == ({hostile["o''brien"]},) * 2 \
        + (1,)
    assert answers('Contact.ContactLastName.Contains("\\t")') == ({hostile["tab\there"]},) * 2 \
        + (1,)


def test_hostile_text_never_reaches_the_sql_text(hostile, db) -> None:
    for needle in HOSTILE:
        for template, _ in PROBES.values():
            compiled = compile_condition(check_condition(template.format(literal(needle))), NOW)
            assert compiled.translatable
            if len(needle) > 2:  # "%", "_", "\\" are ordinary SQL characters
                assert needle not in compiled.sql, compiled.sql


def test_tables_are_intact_after_the_hostile_conditions(hostile, db) -> None:
    before = {model: model.select().count()
              for model in (Contact, Activity, FormSubmission, FormFieldValue, Account)}
    for needle in HOSTILE:
        for template, _ in PROBES.values():
            answers(template.format(literal(needle)))
    after = {model: model.select().count() for model in before}
    assert after == before
    assert before[Contact] == len(HOSTILE) + 1
    stored = [row[0] for row in database_proxy.execute_sql(
        "SELECT last_name FROM contact WHERE last_name IS NOT NULL ORDER BY id")]
    assert stored == list(HOSTILE)


@pytest.mark.parametrize("days", ["1000000", "2147483647", "ToInt(\"99999999999\", 800000)"])
def test_absurdly_long_windows_mean_any_time(db, days: str) -> None:
    """A window reaching before the year 1 is every stored time, not an OverflowError."""
    reset()
    ids = build(World([
        ContactSpec(activities=[ActivitySpec("userlogin", dt.datetime(1970, 1, 1))]),
        ContactSpec(activities=[ActivitySpec("pagevisit", dt.datetime(1970, 1, 1))]),
        ContactSpec()]))
    for text, want in ((f"Contact.LoggedIn({days})", {ids[0]}),
                       (f"Contact.DidActivity(null, null, {days})", {ids[0], ids[1]}),
                       (f'Contact.DidActivities("pagevisit;userlogin", {days}, true)', set()),
                       (f"!Contact.LoggedIn({days})", {ids[1], ids[2]})):
        assert answers(text) == (want, want, len(want)), text


def test_a_raw_tab_in_a_string_literal_is_a_tab(hostile, db) -> None:
    assert answers('Contact.ContactLastName == "tab\there"') == ({hostile["tab\there"]},) * 2 \
        + (1,)


# Python's str.lower has two mappings PostgreSQL's lower() lacks: the context-dependent final
# sigma ("ΟΔΟΣ" → "οδος") and "İ" → "i" + U+0307. The language folds case character by
# character instead ("οδοσ", "istanbul"), which every backend computes alike.
SPECIAL_CASING = [
    ('Contact.ContactLastName.Contains("\u03c3")', "ΟΔΟΣ"),
    ('Contact.ContactLastName.Contains("ς")', None),
    ('Contact.ContactLastName == "οδοσ"', "ΟΔΟΣ"),
    ('Contact.ContactLastName.StartsWith("i\u0307stanbul")', None),
    ('Contact.ContactLastName == "istanbul"', "İstanbul"),
    ('Contact.ContactFieldContainsValue("ContactLastName", "Contains", "\u03c3")', "ΟΔΟΣ"),
]


@pytest.mark.parametrize(("condition", "match"), SPECIAL_CASING)
def test_special_case_lowering_agrees_on_both_engines(request, db, condition: str,
                                                      match: str | None) -> None:
    reset()
    ids = dict(zip(["ΟΔΟΣ", "İstanbul"],
                   build(World([ContactSpec(fields={"last_name": "ΟΔΟΣ"}),
                                ContactSpec(fields={"last_name": "İstanbul"})])), strict=True))
    want = {ids[match]} if match else set()
    assert answers(condition) == (want, want, len(want))
