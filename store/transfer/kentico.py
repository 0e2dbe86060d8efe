"""Migrating a Kentico installation: a folder of raw CSV exports of its own tables.

The tables arrive with Kentico's column names and ids (see kentico-tables.md): ids are kept,
so a stored ``ContactCountryID == 326`` or ``ContactStatusID == 2`` means what it meant, and
times, which Kentico writes in the server's local time, are converted to UTC from the zone
the admin names. Countries, states and statuses come first, then contacts (their own columns
become custom fields), accounts and their contacts, activities (``bizformsubmit`` ones also
become form submissions of the form ``ActivityItemID`` names), and the contact groups with
their conditions stored unchanged and their manual and account members. All of it is one
transaction; a group whose condition we cannot run is refused and reported. The condition
groups are rebuilt afterwards (:func:`rebuild_groups`), each in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee as pw

from store import audit, groups
from store.actor import current_actor
from store.clock import utcnow
from store.contact_fields import boolean, text, whole_number
from store.db.database import database_proxy
from store.db.models import (
    Contact,
    ContactGroup,
    ContactStatus,
    Country,
    GroupAccount,
    Membership,
    State,
)
from store.engine.group_graph import rebuild_order
from store.errors import StoreError
from store.membership import grant
from store.transfer import staging
from store.transfer.contact_import import CsvOptions, import_contacts
from store.transfer.csv_input import open_csv, unguard
from store.transfer.import_report import ImportReport
from store.transfer.related_import import import_related

CONTACT_NOISE = ("ContactGUID", "ContactSalesForceLead", "ContactMergedWithContactID")
"""Kentico's columns that mean nothing outside Kentico; other unknown contact columns are the
installation's custom fields."""
ACCOUNT_COLUMNS = ("AccountID", "AccountName", "AccountCity", "AccountCountryID",
                   "AccountCreated")
ACTIVITY_COLUMNS = ("ActivityID", "ActivityContactID", "ActivityType", "ActivityCreated",
                    "ActivityItemID", "ActivityURL", "ActivityValue")
LINK_COLUMNS = ("AccountID", "ContactID")
MEMBERS = "kentico_member"


def zone_named(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise StoreError(f"unknown time zone '{name}' (e.g. Europe/Prague, America/New_York)"
                         ) from None


@dataclass
class MigrationReport:
    """Per table: how many rows arrived, and what was refused and why."""

    tables: dict[str, ImportReport] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)

    def lines(self, shown: int = 20) -> list[str]:
        lines = [f"{table}: {count:,} imported" for table, count in self.counts.items()]
        for table, report in self.tables.items():
            lines.append(f"{table}: " + report.lines()[0].split(": ", 1)[1])
            lines += [f"  {table} {rejected}" for rejected in report.rejected[:shown]]
            if len(report.rejected) > shown:
                lines.append(f"  … and {len(report.rejected) - shown:,} more rejected lines")
        lines += [f"Not in the folder: {name}.csv" for name in self.missing]
        lines += [f"Refused: {reason}" for reason in self.refused]
        lines += [f"Rebuilt {summary}" for summary in self.rebuilt]
        return lines

    def as_dict(self) -> dict[str, object]:
        return {"counts": self.counts, "tables": {k: v.as_dict() for k, v in self.tables.items()},
                "refused": self.refused, "missing": self.missing, "rebuilt": self.rebuilt}


class Folder:
    """The export folder: ``<Table>.csv`` files, read as CSV the import reads."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        if not path.is_dir():
            raise StoreError(f"{path} is not a folder of Kentico CSV exports")
        self.path, self.encoding = path, encoding
        self.files = {p.stem.lower(): p for p in path.iterdir() if p.suffix.lower() == ".csv"}

    def has(self, table: str) -> bool:
        return table.lower() in self.files

    @contextmanager
    def open(self, table: str) -> Iterator[BinaryIO]:
        with self.files[table.lower()].open("rb") as handle:
            yield handle

    def header(self, table: str) -> list[str]:
        with self.open(table) as handle:
            return open_csv(handle, encoding=self.encoding).header

    def rows(self, table: str) -> Iterator[dict[str, str]]:
        """Small tables (countries, groups) as dicts by column name."""
        with self.open(table) as handle:
            source = open_csv(handle, encoding=self.encoding)
            for line, cells in source:
                if len(cells) != len(source.header):
                    raise StoreError(f"{table}.csv line {line}: wrong column count")
                yield {name: unguard(cell) for name, cell in zip(source.header, cells,
                                                                 strict=True)}


def migrate(path: Path, zone: dt.tzinfo, *, encoding: str | None = None,
            dry_run: bool = False, actor: str | None = None) -> MigrationReport:
    """Import a Kentico export folder into an empty database (see the module docstring)."""
    folder = Folder(path, encoding)
    if not folder.has("OM_Contact"):
        raise StoreError(f"{path} has no OM_Contact.csv: export Kentico's tables raw "
                         "(database column names) into one folder")
    if Contact.select().exists() or ContactGroup.select().exists():
        raise StoreError("the database already has contacts or groups: migrate into an "
                         "empty database")
    actor = actor or current_actor()
    report = MigrationReport()
    with database_proxy.atomic() as transaction:
        _reference_tables(folder, report)
        _tables(folder, zone, encoding, report)
        _form_submissions(folder, report)
        _groups(folder, report, actor)
        if dry_run:
            transaction.rollback()
    return report


def _reference_tables(folder: Folder, report: MigrationReport) -> None:
    """Countries, states and statuses with Kentico's ids (replacing any we had)."""
    loaders: dict[str, tuple[type[pw.Model], Callable[[dict[str, str]], dict]]] = {
        "CMS_Country": (Country, lambda r: {
            "id": int(r["CountryID"]), "code": text(r.get("CountryTwoLetterCode", "")),
            "three_letter_code": text(r.get("CountryThreeLetterCode", "")),
            "name": r["CountryName"],
            "display_name": r.get("CountryDisplayName") or r["CountryName"]}),
        "CMS_State": (State, lambda r: {
            "id": int(r["StateID"]), "country": int(r["CountryID"]),
            "code": text(r.get("StateCode", "")), "name": r["StateName"],
            "display_name": r.get("StateDisplayName") or r["StateName"]}),
        "OM_ContactStatus": (ContactStatus, lambda r: {
            "id": int(r["ContactStatusID"]), "name": r["ContactStatusName"],
            "display_name": r.get("ContactStatusDisplayName") or r["ContactStatusName"],
            "description": text(r.get("ContactStatusDescription", ""))}),
    }
    State.delete().execute()
    for table, (model, make) in loaders.items():
        if not folder.has(table):
            report.missing.append(table)
            continue
        try:
            rows = [make(row) for row in folder.rows(table)]
        except (KeyError, ValueError) as error:
            raise StoreError(f"{table}.csv: a row lacks or mangles {error}") from None
        model.delete().execute()
        for start in range(0, len(rows), 500):
            model.insert_many(rows[start:start + 500]).execute()
        staging.reset_sequence(model._meta.table_name)
        report.counts[table] = len(rows)


def _ignoring(header: list[str], kept: tuple[str, ...] | None,
              noise: tuple[str, ...] = ()) -> dict[str, str]:
    """``--map`` entries that ignore the columns we do not read."""
    return {name: "" for name in header
            if (kept is not None and name not in kept) or name.startswith(noise)}


def _tables(folder: Folder, zone: dt.tzinfo, encoding: str | None,
            report: MigrationReport) -> None:
    with folder.open("OM_Contact") as handle:
        options = CsvOptions(encoding=encoding, new_fields=True, zone=zone,
                             mapping=_ignoring(folder.header("OM_Contact"), None,
                                               CONTACT_NOISE))
        report.tables["OM_Contact"] = import_contacts(handle, options, key="id")
    for table, kind, kept, key in (("OM_Account", "accounts", ACCOUNT_COLUMNS, "id"),
                                   ("OM_AccountContact", "account-contacts", LINK_COLUMNS, ""),
                                   ("OM_Activity", "activities", ACTIVITY_COLUMNS, "id")):
        if not folder.has(table):
            report.missing.append(table)
            continue
        options = CsvOptions(encoding=encoding, zone=zone,
                             mapping=_ignoring(folder.header(table), kept))
        with folder.open(table) as handle:
            report.tables[table] = import_related(kind, handle, options, key=key)
    _roles(folder, report)


def _roles(folder: Folder, report: MigrationReport) -> None:
    """Each account link gets its role's display name (``ContactRoleID`` → OM_ContactRole)."""
    if not folder.has("OM_ContactRole"):
        report.missing.append("OM_ContactRole")
        return
    if not folder.has("OM_AccountContact"):
        return
    names = {int(row["ContactRoleID"]): row.get("ContactRoleDisplayName")
             or row["ContactRoleName"] for row in folder.rows("OM_ContactRole")}
    staging.create("kentico_role", [("account_id", "INTEGER"), ("contact_id", "INTEGER"),
                                    ("role", "TEXT")])
    links = [(line, whole_number(row["AccountID"]), whole_number(row["ContactID"]),
              names.get(whole_number(row.get("ContactRoleID", "")) or 0))
             for line, row in enumerate(folder.rows("OM_AccountContact"), start=2)]
    staging.insert("kentico_role", ["line", "account_id", "contact_id", "role"],
                   [link for link in links if link[3] is not None])
    database_proxy.execute_sql(
        "UPDATE account_contact SET role = r.role FROM kentico_role r WHERE "
        "account_contact.account_id = r.account_id AND account_contact.contact_id = "
        "r.contact_id")
    staging.drop("kentico_role")
    report.counts["OM_ContactRole"] = len(names)


def _form_submissions(folder: Folder, report: MigrationReport) -> None:
    """``bizformsubmit`` activities name their form by id: they get its code name, and
    each becomes a form submission (Kentico keeps no contact in the form's own table)."""
    if not folder.has("CMS_Form"):
        report.missing.append("CMS_Form")
        return
    forms = [(int(row["FormID"]), row["FormName"]) for row in folder.rows("CMS_Form")]
    staging.create("kentico_form", [("name", "TEXT")])
    staging.insert("kentico_form", ["line", "name"], forms)
    database_proxy.execute_sql(
        "UPDATE activity SET item = (SELECT f.name FROM kentico_form f "
        "WHERE CAST(f.line AS TEXT) = activity.item) WHERE type = 'bizformsubmit' "
        "AND item IN (SELECT CAST(line AS TEXT) FROM kentico_form)")
    cursor = database_proxy.execute_sql(
        "INSERT INTO form_submission (form, contact_id, at) SELECT item, contact_id, at "
        "FROM activity WHERE type = 'bizformsubmit' AND item IS NOT NULL ORDER BY id")
    staging.drop("kentico_form")
    report.counts["form submissions (from bizformsubmit activities)"] = cursor.rowcount
    report.counts["CMS_Form"] = len(forms)


def _groups(folder: Folder, report: MigrationReport, actor: str) -> None:
    if not folder.has("OM_ContactGroup"):
        report.missing.append("OM_ContactGroup")
        return
    created: dict[int, int] = {}
    for row in folder.rows("OM_ContactGroup"):
        name = row.get("ContactGroupDisplayName") or row["ContactGroupName"]
        condition = (row.get("ContactGroupDynamicCondition") or "").strip() or None
        try:
            with database_proxy.atomic():
                group = groups.create_group(name, code_name=row["ContactGroupName"],
                                            description=row.get("ContactGroupDescription", ""),
                                            condition=condition)
        except StoreError as error:
            report.refused.append(f"group {row['ContactGroupName']}: {error}")
            continue
        created[int(row["ContactGroupID"])] = group.id
    report.counts["OM_ContactGroup"] = len(created)
    if folder.has("OM_ContactGroupMember"):
        _members(folder, created, report, actor)
    else:
        report.missing.append("OM_ContactGroupMember")


def _members(folder: Folder, created: dict[int, int], report: MigrationReport,
             actor: str) -> None:
    """Manual and account members as Kentico had them; the condition ones come from the
    rebuild. Accounts of a group (member type 1) hold their contacts *from account*."""
    staging.create(MEMBERS, [("group_id", "INTEGER"), ("kind", "INTEGER"),
                             ("related_id", "INTEGER"), ("from_account", "BOOLEAN"),
                             ("manual", "BOOLEAN")])
    rows = []
    for line, row in enumerate(folder.rows("OM_ContactGroupMember"), start=2):
        group_id = created.get(whole_number(row["ContactGroupMemberContactGroupID"]) or 0)
        if group_id is not None:
            rows.append((line, group_id, whole_number(row["ContactGroupMemberType"]) or 0,
                         whole_number(row["ContactGroupMemberRelatedID"]),
                         boolean(row.get("ContactGroupMemberFromAccount", "")),
                         boolean(row.get("ContactGroupMemberFromManual", ""))))
    staging.insert(MEMBERS, ["line", "group_id", "kind", "related_id", "from_account",
                             "manual"], rows)
    absent = database_proxy.execute_sql(
        f"SELECT COUNT(*) FROM {MEMBERS} m WHERE m.kind = 0 AND (m.manual OR m.from_account) "
        "AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = m.related_id)").fetchone()[0]
    if absent:
        report.refused.append(f"{absent:,} manual or account memberships of contacts not in "
                              "OM_Contact (merged away or deleted): left out")
    database_proxy.execute_sql(
        "INSERT INTO group_account (group_id, account_id, added_at) SELECT m.group_id, "
        f"m.related_id, {database_proxy.param} FROM {MEMBERS} m WHERE m.kind = 1 AND EXISTS "
        "(SELECT 1 FROM account a WHERE a.id = m.related_id)",
        (GroupAccount.added_at.db_value(utcnow()),))
    for group_id in sorted(set(created.values())):
        for flag in (Membership.manual, Membership.from_account):
            ids = pw.SQL(f"(SELECT related_id FROM {MEMBERS} WHERE group_id = "
                         f"{int(group_id)} AND kind = 0 AND {flag.column_name})")
            grant(group_id, ids, flag, audit.SOURCE_IMPORT, actor)
        audit.refresh_member_count(group_id)
    report.counts["OM_ContactGroupMember"] = len(rows)
    staging.drop(MEMBERS)


def rebuild_groups(rebuild: Callable[[ContactGroup], str]) -> list[str]:
    """Rebuild every condition group, dependencies first; returns one line per group."""
    chosen = [g for g in ContactGroup.select() if g.is_condition_based]
    lines = []
    for group in rebuild_order(chosen):
        try:
            lines.append(rebuild(group))
        except StoreError as error:
            lines.append(f"{group.code_name}: failed: {error}")
    return lines

