"""``import accounts|account-contacts|activities|form-submissions`` through a real process on
both engines: references resolved or the line rejected, groups that read the change move."""

from __future__ import annotations

import pytest

from store import accounts, contacts, groups
from store.db.database import close, connect
from store.db.models import Account, AccountContact, Activity, FormFieldValue, FormSubmission

from .run import cli


@pytest.fixture
def url(db):
    ids = [contacts.create_contact(email=f"c{i}@example.com").id for i in range(3)]
    groups.create_group("Buyers", condition='Contact.DidActivity("purchase")')
    groups.create_group("Askers", condition='Contact.SubmittedForm("contactus")')
    # Acme: the first account the test imports (BelongsToAccount takes an id, as Kentico)
    groups.create_group("AtAcme", condition="Contact.BelongsToAccount(1)")
    close()
    yield db.url, ids
    connect(db.url)


def _import(url: str, kind: str, text: str, *args: str) -> dict:
    result = cli(url, "import", kind, "-", "--json", *args, stdin=text)
    assert result.code in (0, 1), result.err
    return result.json()


def _rejected(report: dict) -> list[tuple[int, str]]:
    return [(r["line"], r["reason"]) for r in report["rejected"]]


def _members(url: str, code: str) -> list[int]:
    return sorted(m["contact_id"] for m in cli(url, "members", "list", code, "--json").json())


def test_accounts_and_links_reach_account_groups(url):
    url, ids = url
    report = _import(url, "accounts", "AccountName,AccountCity\nAcme,Brno\nACME,Praha\n"
                     "Globex,\n")
    assert (report["inserted"], _rejected(report)) == (2, [(3, "duplicate name acme "
                                                                "(first on line 2)")])
    connect(url)
    try:
        acme = accounts.get_account("Acme")
        assert acme.id == 1, "the id AtAcme's condition names"
        static = groups.create_group("Key accounts")
        accounts.add_accounts(static, [acme.id], actor="tester")
    finally:
        close()
    links = _import(url, "account-contacts",
                    "AccountName;ContactEmail;ContactRole\nacme;c0@example.com;Boss\n"
                    "Nope;c1@example.com;\nGlobex;nobody@example.com;\n"
                    "Globex;c1@example.com;\n")
    assert _rejected(links) == [(3, "no account with name Nope"),
                                (4, "no contact with email nobody@example.com")]
    assert links["groups_changed"] == {"AtAcme": {"added": 1, "removed": 0}}
    assert _members(url, "KeyAccounts") == [ids[0]]
    assert _members(url, "AtAcme") == [ids[0]]
    connect(url)
    try:
        assert sorted(AccountContact.select(AccountContact.contact, AccountContact.role)
                      .tuples()) == [(ids[0], "Boss"), (ids[1], None)]
        assert Account.select().count() == 2
    finally:
        close()


def test_activities_with_kept_ids_and_bad_lines(url):
    url, ids = url
    text = ("ActivityID,ActivityContactID,ActivityType,ActivityCreated,ActivityValue\n"
            f"70,{ids[0]},purchase,2025-01-01 10:00:00,12.5\n"
            f"71,999,purchase,2025-01-01,1\n"
            f"72,{ids[1]},bogus,2025-01-01,\n"
            f"73,{ids[1]},pagevisit,,\n"
            f"70,{ids[2]},purchase,2025-01-01,\n"
            f"74,{ids[1]},pagevisit,2025-13-01,\n")
    report = _import(url, "activities", text, "--key", "id")
    assert _rejected(report) == [
        (3, "no contact with id 999"),
        (4, "ActivityType: unknown activity type 'bogus'"),
        (5, "ActivityCreated: empty"),
        (6, "duplicate id 70 (first on line 2)"),
        (7, "ActivityCreated: bad date '2025-13-01' (YYYY-MM-DD HH:MM:SS)"),
    ]
    assert report["groups_changed"] == {"Buyers": {"added": 1, "removed": 0}}
    again = _import(url, "activities", text, "--key", "id")
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    connect(url)
    try:
        assert [(a.id, a.value) for a in Activity.select()] == [(70, 12.5)]
    finally:
        close()


def test_form_submissions_keep_their_fields_and_log_the_activity(url):
    url, ids = url
    report = _import(url, "form-submissions", "ContactEmail,FormName,FormInserted,message\n"
                     "c2@example.com,contactus,2025-02-02 10:00,Hello\n")
    assert report["groups_changed"] == {"Askers": {"added": 1, "removed": 0}}
    connect(url)
    try:
        [submission] = FormSubmission.select()
        assert (submission.contact_id, submission.form) == (ids[2], "contactus")
        assert [(f.field, f.value) for f in FormFieldValue.select()] == [("message", "Hello")]
        assert [a.type for a in Activity.select()] == ["bizformsubmit"]
    finally:
        close()
