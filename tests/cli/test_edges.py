"""Edges a hostile tester finds first (issue 13): each ends in one clean line, exit 2, and
nothing changed — or, where the input is fine, in what the user asked for."""

from __future__ import annotations

import re
import sqlite3
import stat

import pytest

from store import groups
from store.db.database import close, connect
from store.db.models import ContactGroup, Exclusion, Membership
from tests.store.helpers import make_contacts

from .run import assert_clean_failure, cli, run_cli

SECRET = "S3cretPW"


@pytest.fixture
def closed(db):
    """The test database, closed so that only the command line touches it."""
    close()
    yield db
    connect(db.url)


@pytest.mark.parametrize("literal, what", [
    (r'"\ud800"', "not valid UTF-8"),
    (r'"x\udfff"', "not valid UTF-8"),
    (r'"\u0000"', "NUL character"),
    (r'"a\0"', "NUL character"),
])
def test_a_string_no_database_stores_is_an_invalid_condition(closed, literal, what):
    condition = f"Contact.ContactEmail == {literal}"
    checked = cli(closed.url, "condition", "check", condition, "--count")
    assert checked.code == 2 and "Traceback" not in checked.err
    assert "the string contains a" in checked.err and what in checked.err
    created = cli(closed.url, "groups", "create", "--name", "Odd", "--condition", condition)
    assert created.code == 2 and what in created.err
    connect(closed.url)
    assert ContactGroup.select().count() == 0
    close()


def test_a_pair_of_escapes_is_one_character(closed):
    checked = cli(closed.url, "condition", "check", r'Contact.ContactEmail == "\ud83d\ude00"',
                  "--count")
    assert checked.code == 0, checked.err
    assert "0 contacts match" in checked.out


def test_an_id_beyond_any_database_is_not_a_contact_id(closed):
    assert_clean_failure(
        cli(closed.url, "condition", "check", "true", "--explain", "99999999999999999999999"),
        "'99999999999999999999999' is not a contact id")


def test_a_schema_version_that_is_not_a_number_is_refused(sqlite_db):
    sqlite_db.handle.execute_sql("UPDATE schema_version SET version = 'seven'")
    close()
    assert_clean_failure(cli(sqlite_db.url, "groups", "list"), "is not a number ('seven')")


@pytest.mark.parametrize("url, message", [
    ("postgresql://cg:pw@[::1:55432/x", "Invalid IPv6 URL"),
    ("postgresql://cg@127.0.0.1:9/x%00y", "NUL character"),
    ("sqlite:///tmp/a%00b.db", "NUL character"),
    ("postgresql://cg@127.0.0.1:9/x?sslmode=require&sslmode=disable", "'sslmode' twice"),
    ("postgresql://cg@127.0.0.1:9/x?port=5432", "port twice"),
])
def test_malformed_urls_are_one_line(url, message):
    assert_clean_failure(cli(url, "groups", "list"), message)


@pytest.mark.parametrize("url", [
    f"postgresql://cg:{SECRET[:3]}@{SECRET[3:]}@127.0.0.1:abc/cga",
    f"postgresql://cg:{SECRET[:3]} {SECRET[3:]}@127.0.0.1:abc/cga",
    f"postgresql://cg:{SECRET[:3]}/{SECRET[3:]}@127.0.0.1:9/cga",
    f"postgresql://cg:{SECRET}@127.0.0.1:99999/cga",
    f"postgresql://cg:{SECRET}@[::1:55432/x",
    f"postgresql://cg:{SECRET}@127.0.0.1:9/x%00y",
    f"postgresql://cg@127.0.0.1:9/cga?password={SECRET}&nosuchparameter=1",
    f"postgresql://cg@127.0.0.1:9/cga?password={SECRET}",
    f"postgresql:cg:{SECRET}@127.0.0.1/cga",
    f"postgresql:/cg:{SECRET}@127.0.0.1/cga",
    f"cg:{SECRET}@127.0.0.1/cga",
    f"postgresql://cg:1234?{SECRET}@127.0.0.1/cga",
    f"postgresql://cg:{SECRET[:3]}@{SECRET[3:]}?x@127.0.0.1/cga",
    f"postgresql://cg:{SECRET[:3]}#{SECRET[3:]}@127.0.0.1/cga",
])
def test_no_error_prints_a_password(url):
    result = cli(url, "groups", "list")
    assert_clean_failure(result)
    for part in (SECRET[:3], SECRET[3:], ":1234"):
        assert part not in result.err, result.err


def test_a_mistyped_url_in_the_environment_is_not_printed_either(tmp_path):
    result = run_cli("groups", "list", env={"CONTACT_GROUPS_DB": f"cg:{SECRET}@127.0.0.1/cga"})
    assert_clean_failure(result, "does not exist")
    assert SECRET not in result.err


def test_libpq_parameters_reach_the_server(pg_session_url):
    import psycopg2

    with psycopg2.connect(pg_session_url) as admin, admin.cursor() as cursor:
        cursor.execute("SHOW ssl")
        server_has_ssl = cursor.fetchone()[0] == "on"
    plain = cli(f"{pg_session_url}?sslmode=disable&application_name=cg", "groups", "list")
    assert plain.code == 0, plain.err
    encrypted = cli(f"{pg_session_url}?sslmode=require", "groups", "list")
    if server_has_ssl:
        assert encrypted.code == 0, encrypted.err
    else:  # asked for encryption: never falls back to a plain connection
        assert_clean_failure(encrypted, "SSL was required")
    assert_clean_failure(cli(f"{pg_session_url}?sslmode=bogus", "groups", "list"),
                         'invalid sslmode value: "bogus"')
    assert_clean_failure(cli(f"{pg_session_url}?ssl=true", "groups", "list"),
                         "'ssl' is not a PostgreSQL connection parameter")


def test_sqlite_urls_refuse_parameters_they_cannot_honour(tmp_path):
    target = tmp_path / "x.db"
    assert_clean_failure(cli(f"sqlite:///{target}?sslmode=require", "groups", "list"),
                         "parameter 'sslmode' is not supported")
    assert not target.exists()


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path):
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as handle:
        handle.execute("CREATE TABLE notes (body TEXT)")
        handle.execute("INSERT INTO notes VALUES ('keep me')")
    handle.close()
    before = foreign.read_bytes()
    for args in (("groups", "list"), ("groups", "create", "--name", "X")):
        assert_clean_failure(cli(f"sqlite:///{foreign}", *args), "not a contact-groups database")
    assert foreign.read_bytes() == before  # a switch to WAL would rewrite the header
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_fresh_home_gets_a_private_data_directory(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "CONTACT_GROUPS_DB": "", "XDG_DATA_HOME": ""}
    created = run_cli("groups", "create", "--name", "First", env=env)
    assert created.code == 0, created.err
    data_dir = home / ".local" / "share" / "contact-groups"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert "First" in run_cli("groups", "list", env=env).out


def test_without_a_terminal_the_ui_says_so(tmp_path):
    result = run_cli("--db", f"sqlite:///{tmp_path / 'x.db'}", timeout=30)
    assert_clean_failure(result, "the terminal UI needs a terminal")
    assert not (tmp_path / "x.db").exists()


def test_repeated_list_options_accumulate(db):
    ids = make_contacts(4)
    groups.create_group("Picked")
    close()
    try:
        added = cli(db.url, "members", "add", "Picked", "--contact", str(ids[0]),
                    "--contact", str(ids[1]), "--contact", str(ids[2]), str(ids[3]))
        assert added.code == 0 and "Added 4 contacts" in added.out, added.err
        emails = cli(db.url, "members", "add", "Picked", "--email", "C0@example.com",
                     "--email", "C1@example.com")
        assert emails.code == 0, emails.err
        removed = cli(db.url, "members", "remove", "Picked", "--contact", str(ids[0]),
                      "--contact", str(ids[1]))
        assert "Removed 2 contacts" in removed.out, removed.err
    finally:
        connect(db.url)
    assert sorted(Membership.select(Membership.contact_id).tuples()) == [(ids[2],), (ids[3],)]


def test_version():
    result = run_cli("--version")
    assert result.code == 0 and result.out.startswith("contact-groups ")
    assert result.out.split()[1][0].isdigit()


def test_excluding_a_contact_that_is_not_a_member_yet(db):
    member, outsider = make_contacts(2)
    group = groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    from store.contact_sets import Selection
    from store.membership import add_contacts
    add_contacts(group, Selection.of_ids([member]), actor="tester")
    close()
    try:
        result = cli(db.url, "members", "remove", "Everyone", "--contact", str(member),
                     "--contact", str(outsider), "--exclude")
        assert result.code == 0, result.err
        assert "Removed 1 contact from Everyone and excluded them." in result.out
        assert "Excluded 1 contact that was not a member" in result.out
        rebuilt = cli(db.url, "rebuild", "Everyone", "--json")
        assert rebuilt.json()[0]["members"] == 0, rebuilt.err
    finally:
        connect(db.url)
    assert sorted(Exclusion.select(Exclusion.contact_id).tuples()) == [(member,), (outsider,)]


def test_groups_show_reads_as_sentences(db):
    make_contacts(3)
    groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    close()
    try:
        never = cli(db.url, "groups", "show", "Everyone").out
        assert "Last rebuild  never" in never
        assert cli(db.url, "rebuild", "Everyone").code == 0
        shown = cli(db.url, "groups", "show", "Everyone", env={"TZ": "UTC"})
        listed = cli(db.url, "groups", "list", env={"TZ": "UTC"}).out
        data = cli(db.url, "groups", "show", "Everyone", "--json").json()
    finally:
        connect(db.url)
    assert shown.code == 0, shown.err
    assert re.search(r"^Last rebuild  \d{4}-\d\d-\d\d \d\d:\d\d UTC, took \d+\.\d\d s: \+3 -0$",
                     shown.out, re.MULTILINE), shown.out
    assert re.search(r"\d\.\d{4,}", shown.out) is None  # no raw float seconds
    assert "Condition     Contact.ContactLastName.StartsWith" in shown.out
    assert "Last rebuild seconds" not in shown.out
    assert "Last rebuilt (UTC)" in listed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["last_rebuilt"])
    assert data["last_rebuild_seconds"] == round(data["last_rebuild_seconds"], 3)


def test_the_cms_edition_refuses_to_rebuild_a_condition_group(db):
    make_contacts(3)
    groups.create_group("Everyone", condition='Contact.ContactLastName.StartsWith("L")')
    from store import settings
    settings.set_edition("cms")
    close()
    try:
        for args in (("rebuild", "Everyone"), ("rebuild", "--all")):
            assert_clean_failure(cli(db.url, *args), "need the EMS edition")
    finally:
        connect(db.url)
    group = groups.get_group("Everyone")
    assert (group.member_count, group.status) == (0, "Rebuild required")
