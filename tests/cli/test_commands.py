"""The command line end to end on both engines: what it prints, and what it refuses."""

from __future__ import annotations

import pytest

from store import groups
from store.db.database import close, connect
from store.db.models import AuditBatch, AuditContact, Contact, ContactGroup, Exclusion, Membership
from tests.store.helpers import make_account, make_contacts

from .run import assert_clean_failure, cli


def _snapshot() -> tuple:
    """Everything a failed command must leave as it was."""
    return (
        sorted((g.code_name, g.display_name, g.member_count) for g in ContactGroup.select()),
        sorted(Membership.select(Membership.group, Membership.contact, Membership.from_condition,
                                 Membership.from_account, Membership.manual).tuples()),
        Exclusion.select().count(), AuditBatch.select().count(), AuditContact.select().count(),
        Contact.select().count(),
    )


@pytest.fixture
def seeded(db):
    """A group with members, contacts and an account; the database is closed for the CLI."""
    ids = make_contacts(5)
    make_account("Acme Corp", ids[3:])
    group = groups.create_group("Newsletter readers", description="Monthly readers")
    from store.contact_sets import Selection
    from store.membership import add_contacts
    add_contacts(group, Selection.of_ids(ids[:2]), actor="tester")
    before = _snapshot()
    close()
    yield db, ids, before
    connect(db.url)


def _unchanged(db, before) -> None:
    connect(db.url)
    try:
        assert _snapshot() == before
    finally:
        close()


def test_groups_list_and_show(seeded):
    db, _, _ = seeded
    listed = cli(db.url, "groups", "list")
    assert listed.code == 0
    assert "NewsletterReaders" in listed.out and "Newsletter readers" in listed.out
    shown = cli(db.url, "groups", "show", "newsletterreaders", "--json").json()
    assert shown["members"] == 2 and shown["description"] == "Monthly readers"


def test_create_add_remove_round_trip(seeded):
    db, ids, _ = seeded
    created = cli(db.url, "groups", "create", "--name", "Key accounts")
    assert created.code == 0 and "KeyAccounts" in created.out
    added = cli(db.url, "members", "add", "KeyAccounts", "--account", "acme corp", "--json")
    assert added.json()["members"] == 2
    added = cli(db.url, "members", "add", "KeyAccounts", "--email", "C0@example.com")
    assert added.code == 0 and "Added 1 contact" in added.out
    listed = cli(db.url, "members", "list", "KeyAccounts", "--format", "csv")
    rows = listed.out.strip().splitlines()
    assert rows[0].startswith("id,first_name") and len(rows) == 4
    removed = cli(db.url, "members", "remove", "KeyAccounts", "--contact", str(ids[3]),
                  "--exclude")
    assert removed.code == 0 and "excluded" in removed.out
    members = cli(db.url, "members", "list", "KeyAccounts", "--json").json()
    assert sorted(m["contact_id"] for m in members) == [ids[0], ids[4]]
    gone = cli(db.url, "members", "remove", "KeyAccounts", "--all", "--json").json()
    assert gone == {"group": "KeyAccounts", "removed": 2, "excluded": False, "members": 0}
    deleted = cli(db.url, "groups", "delete", "KeyAccounts")
    assert deleted.code == 0
    assert cli(db.url, "groups", "show", "KeyAccounts").code == 2


@pytest.mark.parametrize("args, message", [
    (("groups", "show", "NoSuchGroup"), "no contact group with code name 'NoSuchGroup'"),
    (("members", "add", "NoSuchGroup", "--contact", "1"), "no contact group"),
    (("groups", "create", "--name", "Other", "--code", "newsletterREADERS"), "already exists"),
    (("groups", "create", "--name", "Other", "--code", "bad code!"), "may contain only"),
    (("groups", "create", "--name", "   "), "display name is empty"),
    (("members", "add", "NewsletterReaders", "--contact", "1", "999999"),
     "no contact with id 999999"),
    (("members", "add", "NewsletterReaders", "--contact", "abc"), "'abc' is not a contact id"),
    (("members", "add", "NewsletterReaders", "--email", "nobody@nowhere.test"),
     "no contact with email"),
    (("members", "add", "NewsletterReaders", "--account", "No Such Inc"), "no account named"),
    (("members", "remove", "NewsletterReaders"), "one of the arguments"),
    (("groups", "frobnicate"), "invalid choice"),
    # A terminal that sends a byte that is not UTF-8: Python turns it into a lone surrogate.
    (("groups", "show", "News\udcff"), "code argument contains a character that is not valid"),
    (("groups", "create", "--name", "Caf\udcff"), "name argument contains"),
    (("members", "add", "NewsletterReaders", "--email", "a\udcff@x.cz"), "not valid UTF-8"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(seeded, args, message):
    db, _, before = seeded
    assert_clean_failure(cli(db.url, *args), message)
    _unchanged(db, before)


def test_wrong_database_urls(tmp_path):
    assert_clean_failure(cli("mysql://root@localhost/x", "groups", "list"),
                         "unsupported database URL scheme 'mysql'")
    assert_clean_failure(cli("no-scheme-at-all", "groups", "list"), "is not a database URL")
    missing_dir = f"sqlite:///{tmp_path}/missing/dir/x.db"
    assert_clean_failure(cli(missing_dir, "groups", "list"), "does not exist")
    refused = cli("postgresql://admin:s3cret@127.0.0.1:9/nothing", "groups", "list")
    assert_clean_failure(refused, "cannot connect to postgresql://admin@127.0.0.1:9/nothing")
    assert "s3cret" not in refused.err


def test_not_a_database_file(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    assert_clean_failure(cli(f"sqlite:///{junk}", "groups", "list"), "not a contact-groups")


def test_demo_fills_an_empty_database_once(db):
    close()
    try:
        made = cli(db.url, "demo", "--contacts", "300", "--seed", "4", "--json")
        assert made.code == 0, made.err
        summary = made.json()
        assert summary["contacts"] == 300 and summary["groups"] == 3
        (rebuilt,) = summary["rebuilt"]
        assert rebuilt["group"] == "InactiveContacts" and rebuilt["members"] > 0
        assert_clean_failure(cli(db.url, "demo", "--contacts", "300"), "already has contacts")
        listed = cli(db.url, "groups", "list", "--json").json()
        assert {g["code"]: g["members"] for g in listed}["InactiveContacts"] == rebuilt["members"]
    finally:
        connect(db.url)
