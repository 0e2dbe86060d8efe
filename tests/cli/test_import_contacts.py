"""``import contacts`` through a real process, on both engines, with messy files: every
rejected line reported exactly, the valid rows all written, groups moved once."""

from __future__ import annotations

import pytest

from store import groups
from store.db.database import close, connect
from store.db.models import Contact, ContactFieldValue, CustomField, Membership

from .run import assert_clean_failure, cli

MESSY = (
    "\ufeffContactEmail;ContactFirstName;ContactCity;Region;ContactBirthday\r\n"
    "ann@example.com;Ann;Brno;South;1990-01-01\r\n"
    'bob@example.com;"Bob\nthe second";Praha;North;1990-13-01\r\n'
    "not-an-email;Cyril;Brno;;\r\n"
    "ANN@example.com;Ann again;Brno;;\r\n"
    "dana@example.com;=HYPERLINK(\"http://x\");Brno\r\n"
    'eva@example.com;"=1+1";Brno;;1985-05-05 00:00:00\r\n'
    'fred@example.com;"Fred\nMultiline";Brno;East;\r\n'
    "gina@example.com;Gina;Brno;;tomorrow\r\n"
)


@pytest.fixture
def url(db, tmp_path):
    groups.create_group("Brno", condition='Contact.ContactCity == "Brno"')
    CustomField.create(name="Region", caption="Region")
    close()
    yield db.url
    connect(db.url)


def _write(tmp_path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _contacts() -> dict[str, tuple]:
    return {c.email: (c.first_name, c.city, str(c.birthday) if c.birthday else None)
            for c in Contact.select()}


def test_a_messy_file_lands_its_valid_rows_and_reports_each_bad_line(url, tmp_path):
    result = cli(url, "import", "contacts", _write(tmp_path, MESSY), "--json")
    assert result.code == 1, result.err
    report = result.json()
    assert [(r["line"], r["reason"]) for r in report["rejected"]] == [
        (3, "ContactBirthday: bad date '1990-13-01' (YYYY-MM-DD)"),
        (5, "ContactEmail: bad email 'not-an-email'"),
        (6, "duplicate email ann@example.com (first on line 2)"),
        (7, "wrong column count: 3 values, the header has 5 columns"),
        (11, "ContactBirthday: bad date 'tomorrow' (YYYY-MM-DD)"),
    ]
    assert (report["read"], report["inserted"]) == (8, 3)
    assert report["groups_changed"] == {"Brno": {"added": 3, "removed": 0}}
    connect(url)
    try:
        assert _contacts() == {
            "ann@example.com": ("Ann", "Brno", "1990-01-01"),
            "eva@example.com": ("=1+1", "Brno", "1985-05-05"),
            "fred@example.com": ("Fred\nMultiline", "Brno", None),
        }
        assert sorted(v.value for v in ContactFieldValue.select()) == ["East", "South"]
        assert Membership.select().count() == 3
    finally:
        close()


def test_upsert_by_email_updates_and_moves_only_changed_contacts(url, tmp_path):
    first = "email,city\nann@example.com,Brno\nbob@example.com,Brno\n"
    assert cli(url, "import", "contacts", _write(tmp_path, first)).code == 0
    second = "Email address,City,Region\nANN@example.com,Praha,North\nbob@example.com,Brno,\n"
    result = cli(url, "import", "contacts", _write(tmp_path, second, name="b.csv"), "--json")
    report = result.json()
    assert (report["inserted"], report["updated"], report["unchanged"]) == (0, 1, 1)
    assert report["groups_changed"] == {"Brno": {"added": 0, "removed": 1}}
    assert [m["email"] for m in cli(url, "members", "list", "Brno", "--json").json()] == [
        "bob@example.com"]


def test_key_id_keeps_the_file_s_ids_and_new_contacts_follow_them(url, tmp_path):
    text = "ContactID\tContactEmail\tContactLastName\n500\tz@example.com\tP\u0159\u00edhoda\n"
    result = cli(url, "import", "contacts", _write(tmp_path, text, "cp1250"), "--key", "id",
                 "--encoding", "cp1250")
    assert result.code == 0, result.err
    added = cli(url, "contacts", "add", "email=next@example.com", "--json").json()
    assert added["contact"] == 501
    shown = cli(url, "contacts", "show", "500", "--json").json()
    assert shown["last_name"] == "P\u0159\u00edhoda"


def test_a_file_not_in_utf8_rejects_its_lines_and_says_what_to_do(url, tmp_path):
    text = "email,last_name\nok@example.com,Novak\nbad@example.com,P\u0159\u00edhoda\n"
    result = cli(url, "import", "contacts", _write(tmp_path, text, "cp1250"))
    assert result.code == 1
    assert "Rejected line 3: not valid utf-8 text (say --encoding, e.g. cp1250)" in result.out


def test_dry_run_reports_without_writing(url, tmp_path):
    path = _write(tmp_path, "email,city\nann@example.com,Brno\n")
    result = cli(url, "import", "contacts", path, "--dry-run")
    assert result.code == 0 and "1 new" in result.out and "dry run" in result.out
    assert cli(url, "contacts", "list", "--json").json() == []


def test_stdin_mapping_and_new_custom_fields(url, tmp_path):
    text = "Mail;Town;Shoe size;Junk\nann@example.com;Brno;44;x\n"
    result = cli(url, "import", "contacts", "-", "--map", "Mail=email", "--map", "Town=city",
                 "--map", "Junk=", "--new-fields", "--delimiter", ";", stdin=text)
    assert result.code == 0, result.err
    assert "New custom fields: Shoe size" in result.out
    shown = cli(url, "contacts", "show", "1", "--json").json()
    assert (shown["city"], shown["custom"]) == ("Brno", {"Shoe size": "44"})


@pytest.mark.parametrize("text, args, message", [
    ("email,shoe\nann@example.com,44\n", [], "unknown column 'shoe'"),
    ("city\nBrno\n", [], "the file has no email column, which --key email needs"),
    ("email,ContactEmail\na@example.com,b@example.com\n", [],
     "the columns 'email' and 'ContactEmail' both mean email"),
    ("email\na@example.com\n", ["--map", "Mail=email"],
     "--map names 'Mail', which is not a column of the file"),
    ("", [], "the file is empty"),
    ("email\na@example.com\n", ["--encoding", "klingon"], "unknown encoding 'klingon'"),
])
def test_a_file_refused_as_a_whole_changes_nothing(url, tmp_path, text, args, message):
    result = cli(url, "import", "contacts", _write(tmp_path, text), *args)
    assert_clean_failure(result, message)
    assert cli(url, "contacts", "list", "--json").json() == []


def test_a_missing_file_is_one_line(url, tmp_path):
    assert_clean_failure(cli(url, "import", "contacts", str(tmp_path / "nope.csv")),
                         "cannot read")


def test_countries_are_resolved_by_id_code_or_name_and_unknown_ones_rejected(db, tmp_path):
    from store.db.models import Country

    Country.create(id=326, code="CZ", name="CzechRepublic", display_name="Czech Republic")
    close()
    text = ("email,country,ContactCountryID\n"
            "a@example.com,Czech Republic,\n"
            "b@example.com,,326\n"
            "c@example.com,Narnia,\n"
            "d@example.com,,999\n")
    result = cli(db.url, "import", "contacts", _write(tmp_path, text), "--json")
    assert [(r["line"], r["reason"]) for r in result.json()["rejected"]] == [
        (4, "unknown country 'Narnia'"), (5, "unknown country id 999")]
    connect(db.url)
    assert sorted((c.email, c.country_id, c.country_code, c.country_name)
                  for c in Contact.select()) == [
        ("a@example.com", 326, "CZ", "Czech Republic"),
        ("b@example.com", 326, "CZ", "Czech Republic")]
