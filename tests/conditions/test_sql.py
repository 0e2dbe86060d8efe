"""The SQL compiler: bound parameters only, hostile text, dialects, translatability."""

from __future__ import annotations

import re

import pytest

from conditions import ascii_folding_hazards, check, compile_sql, fold_case

from .support import (
    NOW,
    SCHEMA,
    Binding,
    Contact,
    PostgresBinding,
    make_database,
    memory_ids,
    registry,
    sql_ids,
)

REGISTRY = registry()

HOSTILE = [
    "'; DROP TABLE contact; --",
    '"; DROP TABLE contact; --',
    "Robert'); DELETE FROM contact WHERE ('1'='1",
    "100%",
    "a_b",
    "back\\slash",
    "%' OR '1'='1",
    "Ünïcödé ☃ 名前",
    "?",
    "%s",
]


def k_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


PYTHON = {
    "==": lambda city, value: city == value,
    "Contains": lambda city, value: value in city,
    "StartsWith": str.startswith,
    "EndsWith": str.endswith,
    "NotContains": lambda city, value: value not in city,
}


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("method", sorted(PYTHON))
def test_hostile_literals_match_literally_and_never_reach_the_sql_text(value, method):
    cities = [value, "plain", value.replace("%", "x").replace("_", "y"), "<" + value + ">"]
    contacts = [Contact(i + 1, {"Contact.ContactCity": city}) for i, city in enumerate(cities)]
    if method == "==":
        condition = f"Contact.ContactCity == {k_string(value)}"
    else:
        condition = f"Contact.ContactCity.{method}({k_string(value)})"
    checked = check(condition, SCHEMA, REGISTRY)
    for binding in (Binding(), PostgresBinding()):
        compiled = compile_sql(checked, binding, NOW)
        if value not in ("?", "%s"):  # those two are the placeholders themselves
            assert value not in compiled.sql
        assert "DROP" not in compiled.sql and "DELETE" not in compiled.sql
    db = make_database(contacts, [])
    found = sql_ids(db, compile_sql(checked, Binding(), NOW))
    expected = {i + 1 for i, city in enumerate(cities)
                if PYTHON[method](city.lower(), value.lower())}
    assert found == expected == memory_ids(checked, contacts, [])
    assert db.execute("SELECT count(*) FROM contact").fetchone()[0] == len(cities)


CONDITIONS = [
    'Contact.ContactEmail.Contains("%") && Contact.ContactCity.StartsWith("_")',
    'Contact.ContactEmail.EndsWith(Contact.ContactCity) || Contact.ContactEmail.Contains('
    'Contact.ContactFirstName)',
    'Contact.ContactAge mod 3 == 1 && Contact.ContactScore / 2 > 1',
    "Contact.ContactCreated.Month == CurrentDateTime.Month",
    'Contact.ContactCity.EqualsAny("a", "b%") && Contact.ContactCity < "m"',
    'Contact.DidActivity("pagevisit;purchase", "x", 30)',
    "(Contact.IsVip ?? true) && ToDouble(Contact.ContactAge) / 2 > 1.5",
]


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("binding", [Binding(), PostgresBinding()], ids=["sqlite", "postgresql"])
def test_placeholders_match_parameters_and_no_percent_sign_is_in_the_text(condition, binding):
    compiled = compile_sql(check(condition, SCHEMA, REGISTRY), binding, NOW)
    assert compiled.translatable
    placeholder = {"sqlite": "?", "postgresql": "%s"}[binding.dialect.name]
    assert compiled.sql.count(placeholder) == len(compiled.params)
    assert "%" not in compiled.sql.replace("%s", "")
    # The only string literals in the text are our own: '' and the LIKE escape '\'.
    assert set(re.findall(r"'[^']*'", compiled.sql)) <= {"''", "'\\'"}, compiled.sql


def test_postgresql_specifics():
    compiled = compile_sql(check('Contact.ContactCity < "m" && Contact.ContactAge == null '
                                 '&& Contact.ContactEmail.Contains(Contact.ContactCity)',
                                 SCHEMA, REGISTRY), PostgresBinding(), NOW)
    assert 'COLLATE "C"' in compiled.sql
    assert "strpos(" in compiled.sql
    assert "lower(" in compiled.sql and "cg_lower" not in compiled.sql


def test_query_selects_live_contacts_from_the_binding():
    compiled = compile_sql(check("true", SCHEMA, REGISTRY), Binding(), NOW)
    assert compiled.sql.startswith("SELECT c.id FROM contact AS c WHERE (c.merged_into IS NULL)")
    assert compiled.params == ()


def test_constant_subexpressions_become_one_parameter():
    compiled = compile_sql(check('Contact.ContactCity == ("A" + "B").ToLower()', SCHEMA,
                                 REGISTRY), Binding(), NOW)
    assert compiled.params == ("ab",)


def test_contact_method_without_sql_makes_the_condition_not_translatable():
    checked = check('Contact.ContactCity == "x" || Contact.LoggedIn(7)', SCHEMA, REGISTRY)
    compiled = compile_sql(checked, Binding(), NOW)
    assert not compiled.translatable
    assert compiled.sql is None
    assert "Contact.LoggedIn has no SQL translation" in compiled.reason
    assert compiled.dependencies.activity_types == {"userlogin"}


def test_shapes_sql_cannot_reproduce_are_not_translatable():
    for condition in ['ToInt(Contact.ContactCity) > 3',
                      'Contact.ContactCity.EqualsAny(Contact.ContactEmail.Split(";"))',
                      'ToInt(Contact.Revenue) == 1']:
        compiled = compile_sql(check(condition, SCHEMA, REGISTRY), Binding(), NOW)
        assert not compiled.translatable, condition
        assert compiled.reason


def test_not_translatable_conditions_still_evaluate_the_same():
    contacts = [Contact(1, {"Contact.ContactCity": "12"}), Contact(2, {"Contact.ContactCity": "x"})]
    checked = check("ToInt(Contact.ContactCity) > 3", SCHEMA, REGISTRY)
    assert memory_ids(checked, contacts, []) == {1}


def test_unknown_dialect_is_refused():
    class Odd(Binding):
        dialect = "oracle"

    with pytest.raises(ValueError, match="unknown SQL dialect"):
        compile_sql(check("true", SCHEMA, REGISTRY), Odd(), NOW)


def test_the_only_non_ascii_characters_folding_onto_ascii_are_dotted_i_and_kelvin():
    """The SQLite fast path relies on this list (``values.ascii_folding_hazards``)."""
    onto_ascii = {char for char in map(chr, range(0x80, 0x110000))
                  if fold_case(char).isascii()}
    assert onto_ascii == {"\u0130", "\u212a"}
    assert ascii_folding_hazards("kim") == "\u0130\u212a"
    assert ascii_folding_hazards("us") == ""
    assert ascii_folding_hazards("zürich") is None


LOOKALIKES = ["\u0130stanbul", "istanbul", "ISTANBUL", "\u212aolín", "Kolín", "kolin", "Praha",
              None, ""]


@pytest.mark.parametrize("condition", [
    'Contact.ContactCity == "istanbul"', 'Contact.ContactCity != "İstanbul"',
    'Contact.ContactCity.StartsWith("kol")', 'Contact.ContactCity.Contains("Í")',
    'Contact.ContactCity.EndsWith("ín")', 'Contact.ContactCity.EqualsAny("kolín", "praha")',
    'Contact.ContactCity.NotContains("a")', 'Contact.ContactCity == ""',
])
def test_characters_sqlite_does_not_fold_still_match_case_insensitively(condition):
    contacts = [Contact(i + 1, {"Contact.ContactCity": city}) for i, city in enumerate(LOOKALIKES)]
    checked = check(condition, SCHEMA, REGISTRY)
    db = make_database(contacts, [])
    assert sql_ids(db, compile_sql(checked, Binding(), NOW)) == memory_ids(checked, contacts, [])


def test_sqlite_decides_ascii_values_without_calling_the_python_case_mapping():
    """A million rows through a Python function cost seconds; ASCII rows must not pay it."""
    cities = ["Praha", "BRNO", "Ostrava", "PLZEŇ", None]
    contacts = [Contact(i + 1, {"Contact.ContactCity": city}) for i, city in enumerate(cities)]
    db = make_database(contacts, [])
    calls: list[str] = []
    db.create_function("cg_lower", 1, lambda v: calls.append(v) or fold_case(v))
    for condition, expected in [('Contact.ContactCity == "brno"', {2}),
                                ('Contact.ContactCity.Contains("RA")', {1, 3}),
                                ('Contact.ContactCity.StartsWith("plzeň")', {4})]:
        checked = check(condition, SCHEMA, REGISTRY)
        assert sql_ids(db, compile_sql(checked, Binding(), NOW)) == expected
    assert calls == ["PLZEŇ"]  # only the non-ASCII value, only for the non-ASCII constant
