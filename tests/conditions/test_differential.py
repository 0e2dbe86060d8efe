"""The evaluator and the compiled SQL select the same contacts, on generated conditions and data.

Conditions are generated typed (so they always check) with every sub-expression in
parentheses; data sets mix nulls, empty strings, case, non-ASCII and LIKE metacharacters.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conditions import check, compile_sql

from .support import (
    NOW,
    SCHEMA,
    Activity,
    Binding,
    Contact,
    make_database,
    memory_ids,
    registry,
    sql_ids,
)

REGISTRY = registry()
TEXT_ALPHABET = "aAbB%_\\'\"éÉßİ ;|ikK\u212a"
texts = st.one_of(st.none(), st.just(""), st.text(TEXT_ALPHABET, max_size=4))
small_ints = st.integers(-4, 4)
decimals = st.sampled_from([-2.5, 0.0, 0.5, 1.0, 3.25])
times = st.sampled_from(
    [NOW - timedelta(days=d, microseconds=m) for d in (0, 1, 3, 10, 400) for m in (0, 500000)]
)


def k_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# ----------------------------------------------------------------- typed condition generators

string_leaf = st.one_of(
    st.sampled_from(["Contact.ContactEmail", "Contact.ContactCity", "Contact.ContactFirstName",
                     "null"]),
    st.text(TEXT_ALPHABET, max_size=3).map(k_string),
)
string_expr = st.recursive(
    string_leaf,
    lambda inner: st.one_of(
        inner.map(lambda s: f"({s}).ToLower()"),
        inner.map(lambda s: f"({s}).ToUpper()"),
        st.tuples(inner, inner).map(lambda p: f"(({p[0]}) + ({p[1]}))"),
        st.tuples(inner, inner).map(lambda p: f"(({p[0]}) ?? ({p[1]}))"),
    ),
    max_leaves=3,
)
int_leaf = st.one_of(
    st.sampled_from(["Contact.ContactScore", "Contact.ContactAge", "Contact.ContactGender",
                     "Gender.Male", "null"]),
    small_ints.map(lambda i: f"({i})"),
)
int_expr = st.recursive(
    int_leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "mod", "??"]), inner).map(
            lambda p: f"(({p[0]}) {p[1]} ({p[2]}))"
        ),
        inner.map(lambda s: f"(-({s}))"),
        inner.map(lambda s: f"ToInt({s}, 7)"),
    ),
    max_leaves=3,
)
decimal_expr = st.one_of(
    st.just("Contact.Revenue"),
    decimals.map(str),
    int_expr.map(lambda s: f"ToDouble({s})"),
    st.tuples(st.just("Contact.Revenue"), st.sampled_from(["+", "*", "/"]), int_expr).map(
        lambda p: f"(({p[0]}) {p[1]} ({p[2]}))"
    ),
)
datetime_expr = st.one_of(
    st.sampled_from(["Contact.ContactCreated", "Contact.ContactBirthday", "CurrentDateTime",
                     "DateTime.Now"]),
    times.map(lambda t: f'ToDateTime("{t.isoformat(sep=" ")}")'),
)
comparison_ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _compare(operands: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(operands, comparison_ops, operands).map(
        lambda p: f"(({p[0]}) {p[1]} ({p[2]}))"
    )


bool_leaf = st.one_of(
    _compare(string_expr),
    _compare(int_expr),
    _compare(decimal_expr),
    _compare(datetime_expr),
    st.tuples(string_expr, st.sampled_from(["Contains", "NotContains", "StartsWith", "EndsWith"]),
              string_expr).map(lambda p: f"({p[0]}).{p[1]}({p[2]})"),
    st.tuples(string_expr, st.lists(st.text(TEXT_ALPHABET, max_size=2), max_size=3)).map(
        lambda p: f"({p[0]}).EqualsAny({', '.join(map(k_string, p[1])) or 'null'})"
    ),
    st.tuples(int_expr, st.lists(small_ints, max_size=3)).map(
        lambda p: f'({p[0]}).InList("{"|".join(map(str, p[1]))}".Split("|"))'
    ),
    st.tuples(int_expr, int_expr, int_expr).map(lambda p: f"({p[0]}).Between({p[1]}, {p[2]})"),
    st.tuples(datetime_expr, datetime_expr, datetime_expr).map(
        lambda p: f"({p[0]}).Between({p[1]}, {p[2]})"
    ),
    st.tuples(datetime_expr, st.sampled_from(["Month", "Day", "DayOfWeek", "Hour"]),
              int_expr).map(lambda p: f"(({p[0]}).{p[1]} == ({p[2]}))"),
    st.sampled_from(["Contact.IsVip", "true", "false", "null", "ToBool(Contact.ContactScore)",
                     "(Contact.IsVip ?? true)", "(Contact.IsVip == null)",
                     "(Contact.IsVip == false)"]),
    st.tuples(st.sampled_from(["null", '"pagevisit"', '"pagevisit;purchase"', '""']),
              st.sampled_from(["null", '"newsletterunsubscription"']),
              st.sampled_from([0, 1, 5, -3])).map(
        lambda p: f"Contact.DidActivity({p[0]}, {p[1]}, ToInt({p[2]}))"
    ),
)
bool_expr = st.recursive(
    bool_leaf,
    lambda inner: st.one_of(
        inner.map(lambda s: f"!({s})"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " && ".join(xs) + ")"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " || ".join(xs) + ")"),
        st.tuples(inner, inner).map(lambda p: f"(({p[0]}) == ({p[1]}))"),
        st.tuples(inner, inner).map(lambda p: f"(({p[0]}) ?? ({p[1]}))"),
    ),
    max_leaves=4,
)

# ----------------------------------------------------------------- data sets


@st.composite
def data_sets(draw) -> tuple[list[Contact], list[Activity]]:
    contacts = []
    for index in range(draw(st.integers(1, 6))):
        fields = {
            "Contact.ContactEmail": draw(texts),
            "Contact.ContactCity": draw(texts),
            "Contact.ContactFirstName": draw(texts),
            "Contact.ContactScore": draw(st.one_of(st.none(), small_ints)),
            "Contact.ContactAge": draw(st.one_of(st.none(), st.integers(0, 4))),
            "Contact.ContactGender": draw(st.sampled_from([0, 1, 2])),
            "Contact.Revenue": draw(st.one_of(st.none(), decimals)),
            "Contact.IsVip": draw(st.sampled_from([None, True, False])),
            "Contact.ContactCreated": draw(st.one_of(st.none(), times)),
            "Contact.ContactBirthday": draw(st.one_of(st.none(), times)),
        }
        merged = index + 1 if index and draw(st.booleans()) and index < 5 else None
        contacts.append(Contact(index + 1, fields, merged))
    activities = draw(
        st.lists(
            st.builds(
                Activity,
                st.integers(1, len(contacts)),
                st.sampled_from(["pagevisit", "purchase", "newslettersubscription",
                                 "newsletterunsubscription"]),
                times,
                st.sampled_from(["", "n1"]),
            ),
            max_size=5,
        )
    )
    return contacts, activities


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=bool_expr, data=data_sets())
def test_evaluator_and_sql_select_the_same_contacts(condition: str, data) -> None:
    contacts, activities = data
    checked = check(condition, SCHEMA, REGISTRY)
    compiled = compile_sql(checked, Binding(), NOW)
    db = make_database(contacts, activities)
    assert sql_ids(db, compiled) == memory_ids(checked, contacts, activities), compiled.sql


@settings(max_examples=150, deadline=None)
# NUL and lone surrogates are refused before they get here (conditions and contact fields
# alike: no database stores them).
@given(value=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                     max_size=6), data=data_sets(),
       method=st.sampled_from(
    ["Contains", "NotContains", "StartsWith", "EndsWith"]))
def test_string_methods_agree_on_arbitrary_unicode(value: str, data, method: str) -> None:
    contacts, activities = data
    for contact in contacts:
        city = contact.fields["Contact.ContactCity"] or ""
        contact.fields["Contact.ContactEmail"] = value + city
    checked = check(f"Contact.ContactEmail.{method}({k_string(value)})", SCHEMA, REGISTRY)
    compiled = compile_sql(checked, Binding(), NOW)
    db = make_database(contacts, activities)
    assert sql_ids(db, compiled) == memory_ids(checked, contacts, activities)


def test_now_is_bound_once_so_both_backends_use_the_same_instant() -> None:
    contacts = [Contact(1, {"Contact.ContactCreated": NOW - timedelta(days=2)})]
    checked = check("Contact.ContactCreated >= CurrentDateTime", SCHEMA, REGISTRY)
    later = compile_sql(checked, Binding(), NOW - timedelta(days=3))
    assert str(NOW - timedelta(days=3)) in later.params
    db = make_database(contacts, [])
    assert sql_ids(db, later) == {1}
    assert memory_ids(checked, contacts, [], NOW - timedelta(days=3)) == {1}
    assert sql_ids(db, compile_sql(checked, Binding(), NOW)) == set()


def test_datetimes_with_time_zones_are_compared_in_utc() -> None:
    from datetime import UTC, timezone

    plus_two = timezone(timedelta(hours=2))
    created = datetime(2026, 3, 15, 13, 0, tzinfo=plus_two)  # 11:00 UTC
    contacts = [Contact(1, {"Contact.ContactCreated": created})]
    checked = check('Contact.ContactCreated < ToDateTime("2026-03-15 11:30:00")', SCHEMA, REGISTRY)
    assert memory_ids(checked, contacts, [], datetime(2026, 3, 15, 12, tzinfo=UTC)) == {1}
