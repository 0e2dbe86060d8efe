"""``export`` through a real process on both engines: every column, the source flags,
formula-looking cells guarded, and a round trip into an empty database."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from store import contacts, groups, membership
from store.contact_sets import NO_FILTER, Selection
from store.db.database import close, connect
from store.db.models import CustomField
from store.transfer.export import columns, iter_rows

from .run import assert_clean_failure, cli

HOSTILE = ("=HYPERLINK(\"http://evil\")", "+1 555", "-2", "@SUM(A1)", "\tTabbed", "\rCR",
           "'=already guarded")


@pytest.fixture
def url(db):
    CustomField.create(name="Region", caption="Region")
    group = groups.create_group("Brno", condition='Contact.ContactCity == "Brno"')
    for index, text in enumerate(HOSTILE):
        contacts.create_contact(first_name=text, last_name=f"L{index}", city="Brno",
                                email=f"c{index}@example.com", birthday=dt.date(1990, 1, 2),
                                monitored=bool(index % 2), custom={"Region": f"R{index}"})
    other = contacts.create_contact(first_name="Manual", email="m@example.com", city="Praha",
                                    middle_name="Q", zip="602 00")
    membership.add_contacts(groups.get_group(group.code_name), Selection.of_ids([other.id]),
                            actor="tester")
    close()
    yield db.url
    connect(db.url)


def test_csv_guards_formula_cells_and_members_carry_their_flags(url, tmp_path):
    target = tmp_path / "members.csv"
    result = cli(url, "export", "members", "Brno", str(target))
    assert result.code == 0, result.err
    with target.open(encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [r["first_name"] for r in rows[:len(HOSTILE)]] == [
        "'" + text for text in HOSTILE]
    assert list(rows[0])[-4:] == ["Region", "from_condition", "from_account", "manual"]
    manual = rows[-1]
    assert (manual["first_name"], manual["from_condition"], manual["manual"],
            manual["zip"], manual["middle_name"]) == ("Manual", "No", "Yes", "602 00", "Q")
    assert {r["from_condition"] for r in rows[:-1]} == {"Yes"}


def test_json_to_a_file_by_its_extension_with_a_filter(url, tmp_path):
    target = tmp_path / "out.json"
    result = cli(url, "export", "contacts", str(target), "--filter", "manual")
    assert result.code == 0 and "Exported 1 row (contacts)" in result.out
    [row] = json.loads(target.read_text(encoding="utf-8"))
    assert (row["first_name"], row["monitored"], row["Region"]) == ("Manual", False, None)
    assert not (tmp_path / "out.json.part").exists()


def test_round_trip_into_an_empty_database_gives_the_same_contacts(url, tmp_path, db):
    exported = tmp_path / "contacts.csv"
    assert cli(url, "export", "contacts", str(exported)).code == 0
    connect(url)
    try:
        original = _everything()
    finally:
        close()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = cli(empty, "import", "contacts", str(exported), "--key", "id", "--new-fields")
    assert result.code == 0, result.out + result.err
    connect(empty)
    try:
        assert _everything() == original
    finally:
        close()


def _everything() -> list[tuple]:
    header = columns()
    return [tuple(row.get(name) for name in header) for row in iter_rows(NO_FILTER)]


@pytest.mark.parametrize("args, message", [
    (["export", "members", "Nope", "-"], "no contact group with code name 'Nope'"),
    (["export", "contacts", "out.xlsx"], "cannot tell the format of 'out.xlsx'"),
    (["export", "contacts", "/no/such/dir/out.csv"], "cannot write /no/such/dir/out.csv"),
])
def test_bad_exports_are_one_line(url, args, message):
    assert_clean_failure(cli(url, *args), message)
