"""Conditions that are valid K# yet huge (issue 13 item 6): they compile to queries the
database runs (balanced AND/OR trees, IN lists, positions instead of long LIKE patterns),
or they are refused when saved, naming the limit — never saved only to fail every rebuild."""

from __future__ import annotations

import pytest

from store import contacts
from store.db.database import close, connect
from store.db.models import ContactGroup
from tests.store.helpers import make_contacts

from .run import assert_clean_failure, cli


@pytest.fixture
def people(db):
    ids = make_contacts(4)
    contacts.update_contact(ids[0], city="City2999", country_code="US",
                            country_name="United States")
    contacts.update_contact(ids[1], city="City7", email="x" + "ab" * 30 + "@example.com")
    close()
    yield db, ids
    connect(db.url)


def _create_and_rebuild(db, condition: str) -> int:
    created = cli(db.url, "groups", "create", "--name", "Huge", "--condition", condition)
    assert created.code == 0, created.err
    rebuilt = cli(db.url, "rebuild", "Huge", "--json")
    assert rebuilt.code == 0, rebuilt.err
    return rebuilt.json()[0]["members"]


def test_three_thousand_alternatives(people):
    db, _ = people
    condition = " || ".join(f'Contact.ContactCity == "City{i}"' for i in range(3000))
    assert _create_and_rebuild(db, condition) == 2


def test_fifteen_thousand_countries(people):
    db, _ = people
    countries = ";".join([f"K{i}" for i in range(15000)] + ["UnitedStates"])  # argv < 128 KB
    assert _create_and_rebuild(db, f'Contact.IsFromCountry("{countries}")') == 1


def test_a_contains_needle_of_120000_characters(people):
    db, _ = people
    assert _create_and_rebuild(db, f'Contact.ContactEmail.Contains("{"ab" * 60000}")') == 0
    close_needle = cli(db.url, "condition", "check", "--count",
                       f'Contact.ContactEmail.Contains("{"AB" * 30}@")')
    assert "1 contact match" in close_needle.out, close_needle.err


def test_a_condition_nested_past_sqlites_parser_is_refused_at_save(sqlite_db):
    close()
    try:
        deep = "(Contact.ContactCity + " * 60 + '"x"' + ")" * 60 + ' == "a"'
        for args in (("groups", "create", "--name", "Deep", "--condition", deep),
                     ("condition", "check", deep)):
            result = cli(sqlite_db.url, *args)
            assert result.code == 2 and "Traceback" not in result.err
            assert "too large for the database to run: its brackets nest deeper than " \
                   "SQLite's parser allows" in result.err
    finally:
        connect(sqlite_db.url)
    assert ContactGroup.select().count() == 0


def test_bracketed_chains_and_double_negations_run_however_deep(people):
    db, _ = people
    chain = "".join(f'Contact.ContactCity != "Nowhere{i}" && (' for i in range(200))
    assert _create_and_rebuild(db, chain + "true" + ")" * 200) == 4
    assert_clean_failure(cli(db.url, "groups", "create", "--name", "Huge"), "already exists")
    negations = "!(" * 200 + 'Contact.ContactCity == "City7"' + ")" * 200
    counted = cli(db.url, "condition", "check", "--count", negations)
    assert "1 contact match" in counted.out, counted.err


def test_alternatives_merged_into_one_list_keep_their_meaning(people):
    db, _ = people
    condition = ('Contact.ContactCity == "" || Contact.ContactFirstName == "first0" || '
                 'Contact.ContactCity == "CITY7" || null == Contact.ContactCity')
    counted = cli(db.url, "condition", "check", "--count", condition)
    assert "4 contacts match" in counted.out, counted.err  # no city (2), City7, First0
