"""Importing what surrounds contacts: accounts, account links, activities, form submissions.

Each kind names its columns (ours and Kentico's), reads and checks the file row by row into
a staging table (bad rows reported with their line), resolves the contacts and accounts the
rows name in SQL (a name nobody has is a rejected row too), writes set-based, and then
re-evaluates the contacts concerned once, for the groups that read that kind of change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, BinaryIO

import peewee as pw

from conditions import ACTIVITY_TYPES, fold_case
from store import audit
from store.actor import current_actor
from store.clock import utcnow
from store.contact_fields import email, fold_name, text, timestamp, whole_number
from store.db.database import database_proxy, dialect
from store.db.models import AccountContact, GroupAccount, Membership
from store.engine.bulk_reevaluate import reevaluate_contacts
from store.engine.reevaluate import Change
from store.errors import StoreError
from store.membership import grant
from store.transfer import staging
from store.transfer.contact_import import CsvOptions
from store.transfer.csv_input import CsvRows, open_csv, row_problem, unguard
from store.transfer.import_report import ImportReport

STAGE = "import_rows"
FIELD_STAGE = "import_form_fields"
FORM_ACTIVITY = "bizformsubmit"


def _number(value: str) -> float | None:
    stripped = value.strip()
    if not stripped:
        return None
    try:
        return float(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a number") from None


def _activity_type(value: str) -> str:
    kind = value.strip().lower()
    if kind not in ACTIVITY_TYPES:
        raise ValueError(f"unknown activity type '{value.strip()}'")
    return kind


@dataclass(frozen=True)
class Column:
    """A column a file of this kind may have: the staging name, its parser, its names."""

    name: str
    parse: Callable[[str], Any]
    sql_type: str
    names: tuple[str, ...] = ()
    required: bool = False


CONTACT_REFERENCE = (
    Column("contact_ref_id", whole_number, "INTEGER", ("ContactID", "ActivityContactID")),
    Column("contact_email", email, "TEXT", ("email", "ContactEmail")),
)
ACCOUNT_REFERENCE = (
    Column("account_ref_id", whole_number, "INTEGER", ("AccountID",)),
    Column("account_name", text, "TEXT", ("account", "AccountName")),
)
AT = Column("at", timestamp, "TIMESTAMP", ("ActivityCreated", "FormInserted", "submitted"),
            required=True)

KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    "accounts": (
        Column("id", whole_number, "INTEGER", ("AccountID",)),
        Column("name", text, "TEXT", ("AccountName",), required=True),
        Column("city", text, "TEXT", ("AccountCity",)),
        Column("country_code", text, "TEXT", ("AccountCountryCode",)),
        Column("country_id", whole_number, "INTEGER", ("AccountCountryID",)),
        Column("created", timestamp, "TIMESTAMP", ("AccountCreated",)),
    ),
    "account-contacts": (*ACCOUNT_REFERENCE, *CONTACT_REFERENCE,
                         Column("role", text, "TEXT", ("ContactRole", "ContactRoleName"))),
    "activities": (
        Column("id", whole_number, "INTEGER", ("ActivityID",)), *CONTACT_REFERENCE,
        Column("type", _activity_type, "TEXT", ("ActivityType",), required=True), AT,
        Column("item", text, "TEXT", ("ActivityItemID", "ActivityTitle")),
        Column("url", text, "TEXT", ("ActivityURL",)),
        Column("value", _number, "REAL", ("ActivityValue",)),
    ),
    "form-submissions": (*CONTACT_REFERENCE,
                         Column("form", text, "TEXT", ("FormName",), required=True), AT),
}
KINDS = tuple(KIND_COLUMNS)


@dataclass
class Staged:
    """Which columns the file has, and its extra columns (form fields) by header."""

    columns: list[tuple[int, str, Column]]
    extra: list[tuple[int, str]]

    def has(self, name: str) -> bool:
        return any(column.name == name for _, _, column in self.columns)


def _plan(header: list[str], kind: str, options: CsvOptions) -> Staged:
    known = {fold_name(n): c for c in KIND_COLUMNS[kind] for n in (c.name, *c.names)}
    mapping = {fold_name(k): v.strip() for k, v in options.mapping.items()}
    missing_maps = [k for k in options.mapping if fold_name(k) not in map(fold_name, header)]
    if missing_maps:
        raise StoreError(f"--map names '{missing_maps[0]}', which is not a column of the file")
    staged = Staged([], [])
    for index, name in enumerate(header):
        target = mapping.get(fold_name(name), name)
        if not target:
            continue
        column = known.get(fold_name(target))
        if column is not None and not staged.has(column.name):
            staged.columns.append((index, name, column))
        elif column is not None:
            raise StoreError(f"two columns of the file mean {column.name}")
        elif kind == "form-submissions":
            staged.extra.append((index, name))
        else:
            raise StoreError(f"unknown column '{name}': map it with --map '{name}=FIELD' "
                             f"or ignore it with --map '{name}='")
    for column in KIND_COLUMNS[kind]:
        if column.required and not staged.has(column.name):
            raise StoreError(f"the file has no {column.name} column "
                             f"(e.g. {column.names[0] if column.names else column.name})")
    for prefix, noun in (("contact", "contact (ContactID or ContactEmail)"),
                         ("account", "account (AccountID or AccountName)")):
        needed = any(c.name.startswith(prefix + "_") for c in KIND_COLUMNS[kind])
        if needed and not any(c.name.startswith(prefix + "_") for _, _, c in staged.columns):
            raise StoreError(f"the file names no {noun}")
    return staged


def import_related(kind: str, binary: BinaryIO, options: CsvOptions, *, key: str = "name",
                   actor: str | None = None) -> ImportReport:
    """Import a file of ``kind`` (one of :data:`KINDS`)."""
    if kind not in KIND_COLUMNS:
        raise StoreError(f"unknown import kind '{kind}' (one of {', '.join(KINDS)})")
    started = time.monotonic()
    report = ImportReport(kind, dry_run=options.dry_run)
    rows = open_csv(binary, encoding=options.encoding, delimiter=options.delimiter)
    staged = _plan(rows.header, kind, options)
    if options.zone is not None:  # a migration's local times
        local = partial(timestamp, zone=options.zone)
        staged.columns = [(i, h, replace(c, parse=local) if c.sql_type == "TIMESTAMP"
                           else c) for i, h, c in staged.columns]
    with staging.import_transaction(options.dry_run, STAGE, FIELD_STAGE):
        _stage(rows, staged, report, options)
        MERGES[kind](staged, report, key, actor or current_actor())
    report.finish(time.monotonic() - started)
    return report


def _stage(rows: CsvRows, staged: Staged, report: ImportReport, options: CsvOptions) -> None:
    names = [column.name for _, _, column in staged.columns]
    staging.create(STAGE, [(c.name, c.sql_type) for _, _, c in staged.columns]
                   + [("contact_id", "INTEGER"), ("account_id", "INTEGER"),
                      ("existing", "BOOLEAN"), ("k", "TEXT"), ("submission_id", "INTEGER")])
    staging.create(FIELD_STAGE, [("row_line", "INTEGER"), ("field", "TEXT"),
                                 ("value", "TEXT")])
    batch, fields, field_line = [], [], 0
    for line, values, extra in _checked(rows, staged, report, options):
        batch.append((line, *values))
        for header, value in extra:
            field_line += 1
            fields.append((field_line, line, header, value))
        if len(batch) >= staging.BATCH_ROWS:
            staging.insert(STAGE, ["line", *names], batch)
            staging.insert(FIELD_STAGE, ["line", "row_line", "field", "value"], fields)
            batch, fields = [], []
    staging.insert(STAGE, ["line", *names], batch)
    staging.insert(FIELD_STAGE, ["line", "row_line", "field", "value"], fields)


def _checked(rows: CsvRows, staged: Staged, report: ImportReport, options: CsvOptions
             ) -> Iterator[tuple[int, list[Any], list[tuple[str, str | None]]]]:
    width = len(rows.header)
    for line, cells in rows:
        report.read += 1
        if options.progress and report.read % 10_000 == 0:
            options.progress(report.read, rows.position)
        problem = (f"wrong column count: {len(cells)} values, the header has {width} columns"
                   if len(cells) != width else row_problem(cells, rows.text.encoding))
        values: list[Any] = []
        for index, header, column in staged.columns if problem is None else ():
            try:
                value = column.parse(unguard(cells[index]))
            except ValueError as error:
                problem = f"{header}: {error}"
                break
            if value is None and column.required:
                problem = f"{header}: empty"
                break
            values.append(value)
        if problem is not None:
            report.reject(line, problem)
            continue
        yield line, values, [(h, unguard(cells[i]) or None) for i, h in staged.extra]


# --- resolving references -------------------------------------------------------------


def _resolve(report: ImportReport, staged: Staged, target: str, table: str, by_id: str,
             by_name: str, name_column: str, noun: str) -> None:
    """Fill ``target`` with the id of the row's contact or account; reject rows naming one
    that does not exist."""
    if staged.has(by_id):
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET {target} = {by_id} WHERE EXISTS "
            f"(SELECT 1 FROM {table} x WHERE x.id = {STAGE}.{by_id})")
    if staged.has(by_name):
        lower = dialect().lower_function
        live = " AND merged_into_id IS NULL" if table == "contact" else ""
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET {target} = m.id FROM (SELECT {lower}({name_column}) AS k, "
            f"MIN(id) AS id FROM {table} WHERE {name_column} IS NOT NULL{live} "
            f"GROUP BY {lower}({name_column})) AS m "
            f"WHERE {STAGE}.{target} IS NULL AND {lower}({STAGE}.{by_name}) = m.k")
    given = [c for c in (by_id, by_name) if staged.has(c)]
    missing = database_proxy.execute_sql(
        f"SELECT line, {', '.join(given)} FROM {STAGE} WHERE {target} IS NULL").fetchall()
    labels = {by_id: "with id", by_name: f"with {name_column}"}
    for line, *values in missing:
        named = [(labels[c], v) for c, v in zip(given, values, strict=True) if v is not None]
        report.reject(line, f"no {noun} {named[0][0]} {named[0][1]}" if named
                      else f"no {noun} given")
    if missing:
        database_proxy.execute_sql(f"DELETE FROM {STAGE} WHERE {target} IS NULL")


def _resolve_contacts(report: ImportReport, staged: Staged) -> None:
    _resolve(report, staged, "contact_id", "contact", "contact_ref_id", "contact_email",
             "email", "contact")


def _reevaluate(report: ImportReport, change: Change, actor: str) -> None:
    result = reevaluate_contacts(f"SELECT contact_id FROM {STAGE}", change, actor)
    report.groups_changed = result.changed
    report.groups_needing_rebuild = result.needs_rebuild


def _count(sql: str) -> int:
    return int(database_proxy.execute_sql(sql).fetchone()[0] or 0)


# --- the kinds ---------------------------------------------------------------------------


def _merge_accounts(staged: Staged, report: ImportReport, key: str, actor: str) -> None:
    """Upsert by name (any case) or, with ``--key id``, by the file's ids (kept)."""
    if key == "id" and not staged.has("id"):
        raise StoreError("--key id needs an id column (AccountID)")
    lower = dialect().lower_function
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET k = " + ("CAST(id AS TEXT)" if key == "id" else f"{lower}(name)"))
    for line, value, first in staging.drop_duplicates(STAGE, "k"):
        report.reject(line, f"duplicate {'id' if key == 'id' else 'name'} {value} "
                            f"(first on line {first})")
    staging.lock_for_insert("account")
    if key == "id":
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET account_id = id, existing = EXISTS "
            f"(SELECT 1 FROM account a WHERE a.id = {STAGE}.id)")
    else:
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET account_id = m.id FROM (SELECT {lower}(name) AS k, "
            f"MIN(id) AS id FROM account GROUP BY {lower}(name)) AS m WHERE {STAGE}.k = m.k")
        database_proxy.execute_sql(f"UPDATE {STAGE} SET existing = (account_id IS NOT NULL)")
        _number_new_rows("account_id", "account", "NOT existing")
    report.updated = _count(f"SELECT COUNT(*) FROM {STAGE} WHERE existing")
    report.inserted = _count(f"SELECT COUNT(*) FROM {STAGE}") - report.updated
    data = [c.name for _, _, c in staged.columns if c.name not in ("id", "created")]
    if "country_id" in data:  # Kentico's country id: the account keeps the country's code
        if "country_code" not in data:
            database_proxy.execute_sql(f"ALTER TABLE {STAGE} ADD COLUMN country_code TEXT")
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET country_code = COALESCE((SELECT c.code FROM country c "
            f"WHERE c.id = {STAGE}.country_id), country_code)")
        data = [c for c in data if c not in ("country_id", "country_code")] + ["country_code"]
    sets = ", ".join(f"{c} = {STAGE}.{c}" for c in data)
    database_proxy.execute_sql(f"UPDATE account SET {sets} FROM {STAGE} WHERE "
                               f"account.id = {STAGE}.account_id AND {STAGE}.existing")
    param = database_proxy.param
    created = f"COALESCE(s.created, {param})" if staged.has("created") else param
    database_proxy.execute_sql(
        f"INSERT INTO account (id, {', '.join(data)}, created) SELECT s.account_id, "
        f"{', '.join('s.' + c for c in data)}, {created} FROM {STAGE} s WHERE NOT s.existing",
        (utcnow(),))
    staging.reset_sequence("account")
    linked = ("SELECT contact_id FROM account_contact WHERE account_id IN "
              f"(SELECT account_id FROM {STAGE} WHERE existing)")
    result = reevaluate_contacts(linked, Change(accounts=True), actor)
    report.groups_changed = result.changed
    report.groups_needing_rebuild = result.needs_rebuild


def _number_new_rows(target: str, table: str, which: str) -> None:
    """Ids above every row of ``table`` (locked meanwhile) for the staged rows ``which``
    picks, in file order."""
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET {target} = r.n + (SELECT COALESCE(MAX(id), 0) FROM {table}) "
        f"FROM (SELECT line, ROW_NUMBER() OVER (ORDER BY line) AS n FROM {STAGE} "
        f"WHERE {which}) AS r WHERE {STAGE}.line = r.line")


def _merge_account_contacts(staged: Staged, report: ImportReport, key: str,
                            actor: str) -> None:
    _resolve(report, staged, "account_id", "account", "account_ref_id", "account_name",
             "name", "account")
    _resolve_contacts(report, staged)
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET k = CAST(account_id AS TEXT) || '/' || CAST(contact_id AS TEXT)")
    for line, _, first in staging.drop_duplicates(STAGE, "k"):
        report.reject(line, f"duplicate link of the same account and contact "
                            f"(first on line {first})")
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET existing = EXISTS (SELECT 1 FROM account_contact l "
        f"WHERE l.account_id = {STAGE}.account_id AND l.contact_id = {STAGE}.contact_id)")
    report.updated = _count(f"SELECT COUNT(*) FROM {STAGE} WHERE existing")
    report.inserted = _count(f"SELECT COUNT(*) FROM {STAGE}") - report.updated
    role = "s.role" if staged.has("role") else "NULL"
    database_proxy.execute_sql(
        f"INSERT INTO account_contact (account_id, contact_id, role) SELECT s.account_id, "
        f"s.contact_id, {role} FROM {STAGE} s WHERE true "
        "ON CONFLICT (account_id, contact_id) DO UPDATE SET role = excluded.role")
    holding = database_proxy.execute_sql(
        f"SELECT DISTINCT group_id FROM group_account WHERE account_id IN "
        f"(SELECT account_id FROM {STAGE})").fetchall()
    for (group_id,) in holding:
        linked = (AccountContact.select(AccountContact.contact).where(
            AccountContact.account.in_(GroupAccount.select(GroupAccount.account)
                                       .where(GroupAccount.group == group_id))
            & AccountContact.contact.in_(pw.SQL(f"(SELECT contact_id FROM {STAGE})"))))
        if grant(group_id, linked, Membership.from_account, audit.SOURCE_IMPORT, actor):
            audit.refresh_member_count(group_id)
    _reevaluate(report, Change(accounts=True), actor)


def _merge_activities(staged: Staged, report: ImportReport, key: str, actor: str) -> None:
    _resolve_contacts(report, staged)
    keep_ids = key == "id"
    if keep_ids and not staged.has("id"):
        raise StoreError("--key id needs an id column (ActivityID)")
    if keep_ids:
        for line, value, first in staging.drop_duplicates(STAGE, "id"):
            report.reject(line, f"duplicate id {value} (first on line {first})")
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET existing = EXISTS (SELECT 1 FROM activity a "
            f"WHERE a.id = {STAGE}.id)")
        report.unchanged = _count(f"SELECT COUNT(*) FROM {STAGE} WHERE existing")
    else:
        database_proxy.execute_sql(f"UPDATE {STAGE} SET existing = false")
    columns = [c for c in ("type", "at", "item", "url", "value") if staged.has(c)]
    ids = ["id"] if keep_ids else []
    database_proxy.execute_sql(
        f"INSERT INTO activity ({', '.join([*ids, 'contact_id', *columns])}) "
        f"SELECT {', '.join([*ids, 'contact_id', *columns])} FROM {STAGE} "
        "WHERE NOT existing ORDER BY line")
    staging.reset_sequence("activity")
    report.inserted = _count(f"SELECT COUNT(*) FROM {STAGE} WHERE NOT existing")
    types = {kind for (kind,) in database_proxy.execute_sql(
        f"SELECT DISTINCT type FROM {STAGE}").fetchall()}
    _reevaluate(report, Change(activity_types=frozenset(types)), actor)


def _merge_form_submissions(staged: Staged, report: ImportReport, key: str,
                            actor: str) -> None:
    _resolve_contacts(report, staged)
    staging.lock_for_insert("form_submission")
    _number_new_rows("submission_id", "form_submission", "1 = 1")
    database_proxy.execute_sql(
        f"INSERT INTO form_submission (id, form, contact_id, at) SELECT submission_id, form, "
        f"contact_id, at FROM {STAGE} ORDER BY submission_id")
    staging.reset_sequence("form_submission")
    database_proxy.execute_sql(
        f"INSERT INTO form_field_value (submission_id, field, value) SELECT s.submission_id, "
        f"f.field, f.value FROM {FIELD_STAGE} f JOIN {STAGE} s ON s.line = f.row_line")
    database_proxy.execute_sql(
        f"INSERT INTO activity (contact_id, type, at, item) SELECT contact_id, "
        f"{database_proxy.param}, at, form FROM {STAGE} ORDER BY line", (FORM_ACTIVITY,))
    report.inserted = _count(f"SELECT COUNT(*) FROM {STAGE}")
    forms = {fold_case(form) for (form,) in database_proxy.execute_sql(
        f"SELECT DISTINCT form FROM {STAGE}").fetchall()}
    _reevaluate(report, Change(activity_types=frozenset({FORM_ACTIVITY}),
                               forms=frozenset(forms)), actor)


MERGES: dict[str, Callable[[Staged, ImportReport, str, str], None]] = {
    "accounts": _merge_accounts,
    "account-contacts": _merge_account_contacts,
    "activities": _merge_activities,
    "form-submissions": _merge_form_submissions,
}
