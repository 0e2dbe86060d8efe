"""Importing contacts from a CSV file: upsert by email (or by id), in one transaction.

Rows are read and checked one by one (a bad one is reported with its line and reason and
left out), staged in a temporary table, and merged with a few set-based statements: the
file's duplicates dropped, existing contacts matched by the key, changed ones updated, new
ones inserted. The condition groups are then re-evaluated once, for the contacts that
changed only (:mod:`store.engine.bulk_reevaluate`). Either every valid row lands or none does.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from conditions import fold_case
from store import custom_fields
from store.actor import current_actor
from store.clock import utcnow
from store.contact_fields import Field, find_field, fold_name, timestamp
from store.contact_references import References
from store.db.database import database_proxy, dialect
from store.db.models import Contact, Country
from store.engine.bulk_reevaluate import reevaluate_contacts
from store.engine.reevaluate import Change
from store.errors import StoreError
from store.transfer import staging
from store.transfer.csv_input import CsvRows, open_csv, row_problem, unguard
from store.transfer.import_report import ImportReport, Progress

KEYS = ("email", "id")
STAGE, CUSTOM_STAGE = "import_contact", "import_custom"
PROGRESS_EVERY = 10_000
NOT_NULL_DEFAULTS = {"gender": 0, "score": 0, "monitored": False}


@dataclass
class CsvOptions:
    """How to read a file: ``mapping`` is header → field ('' ignores the column)."""

    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    new_fields: bool = False
    progress: Progress | None = None
    zone: dt.tzinfo | None = None  # times without an offset are local to it (a migration)


@dataclass
class ColumnPlan:
    """What each column of the file holds."""

    fields: list[tuple[int, str, Field]]  # (index, header, field)
    custom: list[tuple[int, str, str]]  # (index, header, custom field name)
    new_custom: list[str]
    countries_known: bool = False  # the country table has rows: a country fills all three

    @property
    def columns(self) -> list[str]:
        """The contact columns the staged rows carry (the id is the key, not data)."""
        names = [f.column for _, _, f in self.fields if f.column != "id"]
        if self.countries_known and set(names) & {"country_code", "country_name",
                                                  "country_id"}:
            names += [c for c in ("country_code", "country_name", "country_id")
                      if c not in names]
        if "status_id" in names and "status" not in names:
            names.append("status")
        return names


def plan_columns(header: list[str], options: CsvOptions, known_custom: set[str]) -> ColumnPlan:
    """Map the header to fields; refuse the file when a column means nothing or twice."""
    mapping = {fold_name(k): v.strip() for k, v in options.mapping.items()}
    folded_header = {fold_name(name) for name in header}
    unknown_maps = [k for k in options.mapping if fold_name(k) not in folded_header]
    if unknown_maps:
        raise StoreError(f"--map names '{unknown_maps[0]}', which is not a column of the file")
    custom_by_fold = {name.lower(): name for name in known_custom}
    plan = ColumnPlan([], [], [])
    taken: dict[str, str] = {}
    for index, name in enumerate(header):
        target = mapping.get(fold_name(name), name)
        if not target:
            continue
        found = find_field(target)
        meaning = found.column if found else target.lower()
        if meaning in taken:
            raise StoreError(f"the columns '{taken[meaning]}' and '{name}' both mean {meaning}")
        taken[meaning] = name
        if found is not None:
            if found.parse is timestamp and options.zone is not None:
                found = replace(found, parse=partial(timestamp, zone=options.zone))
            plan.fields.append((index, name, found))
        elif target.lower() in custom_by_fold:
            plan.custom.append((index, name, custom_by_fold[target.lower()]))
        elif options.new_fields:
            plan.custom.append((index, name, target))
            plan.new_custom.append(target)
        else:
            raise StoreError(
                f"unknown column '{name}': map it with --map '{name}=FIELD', ignore it with "
                f"--map '{name}=', or create custom fields with --new-fields")
    return plan


def import_contacts(binary: BinaryIO, options: CsvOptions, *, key: str = "email",
                    actor: str | None = None) -> ImportReport:
    """Import a contacts file; see the module docstring."""
    if key not in KEYS:
        raise StoreError(f"--key must be one of {', '.join(KEYS)}")
    started = time.monotonic()
    report = ImportReport("contacts", dry_run=options.dry_run)
    rows = open_csv(binary, encoding=options.encoding, delimiter=options.delimiter)
    plan = plan_columns(rows.header, options, custom_fields.names())
    plan.countries_known = Country.select().exists()
    key_field = "email" if key == "email" else "id"
    if key_field not in {f.column for _, _, f in plan.fields}:
        raise StoreError(f"the file has no {key_field} column, which --key {key} needs "
                         f"(e.g. {'ContactEmail' if key == 'email' else 'ContactID'})")
    with staging.import_transaction(options.dry_run, STAGE, CUSTOM_STAGE):
        _stage(rows, plan, key_field, report, options.progress)
        custom_fields.create(plan.new_custom)
        report.new_custom_fields = list(plan.new_custom)
        _merge(plan, key_field, report, actor or current_actor())
    report.finish(time.monotonic() - started)
    return report


def import_contacts_file(path: str, options: CsvOptions, *, key: str = "email",
                         actor: str | None = None) -> ImportReport:
    """:func:`import_contacts` of the file at ``path`` (the terminal UI's import)."""
    try:
        handle = open(Path(path).expanduser(), "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        return import_contacts(handle, options, key=key, actor=actor)


def _stage(rows: CsvRows, plan: ColumnPlan, key_field: str, report: ImportReport,
           progress: Progress | None) -> None:
    columns = plan.columns
    staging.create(STAGE, [("key", "TEXT"), ("contact_id", "INTEGER"),
                           ("existing", "BOOLEAN"), ("changed", "BOOLEAN")]
                   + [(c, staging.sql_type(Contact._meta.columns[c])) for c in columns])
    staging.create(CUSTOM_STAGE, [("contact_line", "INTEGER"), ("name", "TEXT"),
                                  ("value", "TEXT")])
    names = ["line", "key", "contact_id", *columns]
    batch: list[tuple] = []
    custom_batch: list[tuple] = []
    custom_line = 0
    for line, values, custom in _checked_rows(rows, plan, key_field, report, progress):
        key = values.pop("id") if key_field == "id" else fold_case(values["email"])
        batch.append((line, str(key), key if key_field == "id" else None,
                      *(values.get(c) for c in columns)))
        for name, value in custom.items():
            custom_line += 1
            custom_batch.append((custom_line, line, name, value))
        if len(batch) >= staging.BATCH_ROWS:
            staging.insert(STAGE, names, batch)
            staging.insert(CUSTOM_STAGE, ["line", "contact_line", "name", "value"], custom_batch)
            batch, custom_batch = [], []
    staging.insert(STAGE, names, batch)
    staging.insert(CUSTOM_STAGE, ["line", "contact_line", "name", "value"], custom_batch)
    database_proxy.execute_sql(
        f"CREATE INDEX {CUSTOM_STAGE}_contact ON {CUSTOM_STAGE} (contact_line)")
    for line, value, first in staging.drop_duplicates(STAGE, "key"):
        report.reject(line, f"duplicate {key_field} {value} (first on line {first})")


def _checked_rows(rows: CsvRows, plan: ColumnPlan, key_field: str, report: ImportReport,
                  progress: Progress | None
                  ) -> Iterator[tuple[int, dict[str, Any], dict[str, str | None]]]:
    """(line, contact values, custom values) of each valid row; the others are rejected."""
    width = len(rows.header)
    references = References()
    for line, cells in rows:
        report.read += 1
        if progress and report.read % PROGRESS_EVERY == 0:
            progress(report.read, rows.position)
        problem = _row_problem(cells, width, rows)
        if problem is None:
            values, custom, problem = _values(cells, plan)
            if problem is None:
                problem = references.complete(values)
        if problem is None and values.get(key_field) is None:
            problem = f"no {key_field} (the key)"
        if problem is not None:
            report.reject(line, problem)
            continue
        yield line, values, custom
    if progress:
        progress(report.read, rows.position)


def _row_problem(cells: list[str], width: int, rows: CsvRows) -> str | None:
    if len(cells) != width:
        return f"wrong column count: {len(cells)} values, the header has {width} columns"
    return row_problem(cells, rows.text.encoding)


def _values(cells: list[str], plan: ColumnPlan
            ) -> tuple[dict[str, Any], dict[str, str | None], str | None]:
    values: dict[str, Any] = {}
    for index, header, found in plan.fields:
        try:
            values[found.column] = found.value(unguard(cells[index]))
        except ValueError as error:
            return values, {}, f"{header}: {error}"
    custom = {name: (unguard(cells[index]) or None) for index, _, name in plan.custom}
    return values, custom, None


def _merge(plan: ColumnPlan, key_field: str, report: ImportReport, actor: str) -> None:
    """Write the staged rows: match, update what changed, insert the rest, re-evaluate."""
    columns = plan.columns
    staging.lock_for_insert("contact")
    _match_existing(key_field)
    _mark_changed(columns)
    counts = database_proxy.execute_sql(
        f"SELECT COUNT(*), SUM(CASE WHEN existing THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN existing AND changed THEN 1 ELSE 0 END) FROM {STAGE}").fetchone()
    total, existing, changed = (int(v or 0) for v in counts)
    report.inserted, report.updated = total - existing, changed
    report.unchanged = existing - changed
    _update_existing(columns)
    _insert_new(columns)
    _write_custom_values()
    if report.inserted or report.updated:
        change = (Change(everything=True) if report.inserted else
                  Change.of_columns(set(columns)))
        if plan.custom and not report.inserted:
            change = Change(fields=change.fields | {name for _, _, name in plan.custom})
        result = reevaluate_contacts(f"SELECT contact_id FROM {STAGE} WHERE changed", change,
                                     actor)
        report.groups_changed = result.changed
        report.groups_needing_rebuild = result.needs_rebuild


def _match_existing(key_field: str) -> None:
    if key_field == "id":
        database_proxy.execute_sql(
            f"UPDATE {STAGE} SET existing = EXISTS (SELECT 1 FROM contact c "
            f"WHERE c.id = {STAGE}.contact_id)")
        return
    lower = dialect().lower_function
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET contact_id = m.id FROM (SELECT {lower}(email) AS k, MIN(id) AS id "
        "FROM contact WHERE merged_into_id IS NULL AND email IS NOT NULL "
        f"GROUP BY {lower}(email)) AS m WHERE {STAGE}.key = m.k")
    database_proxy.execute_sql(f"UPDATE {STAGE} SET existing = (contact_id IS NOT NULL)")


def _mark_changed(columns: list[str]) -> None:
    """``changed``: a new contact, or one whose values or custom values differ."""
    differs = dialect().distinct_from
    compared = [c for c in columns if c not in ("modified", "created")]
    field_change = " OR ".join(f"c.{c} {differs} {STAGE}.{c}" for c in compared) or "1 = 0"
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET changed = NOT existing OR EXISTS (SELECT 1 FROM contact c "
        f"WHERE c.id = {STAGE}.contact_id AND ({field_change})) OR EXISTS ("
        f"SELECT 1 FROM {CUSTOM_STAGE} i JOIN custom_field f ON f.name = i.name "
        "LEFT JOIN contact_field_value v ON v.field_id = f.id "
        f"AND v.contact_id = {STAGE}.contact_id WHERE i.contact_line = {STAGE}.line "
        f"AND v.value {differs} i.value)")


def _value(column: str, source: str = "s") -> str:
    """The staged value, or the column's default where the table allows no NULL."""
    default = NOT_NULL_DEFAULTS.get(column)
    if default is None:
        return f"{source}.{column}"
    literal = ("TRUE" if default else "FALSE") if isinstance(default, bool) else str(default)
    return f"COALESCE({source}.{column}, {literal})"


def _update_existing(columns: list[str]) -> None:
    now = Contact.modified.db_value(utcnow())
    sets = [f"{c} = {_value(c, STAGE)}" for c in columns if c != "modified"]
    modified = f"COALESCE({STAGE}.modified, {database_proxy.param})" if (
        "modified" in columns) else database_proxy.param
    database_proxy.execute_sql(
        f"UPDATE contact SET {', '.join([*sets, f'modified = {modified}'])} FROM {STAGE} "
        f"WHERE contact.id = {STAGE}.contact_id AND {STAGE}.existing AND {STAGE}.changed",
        (now,))


def _insert_new(columns: list[str]) -> None:
    """New contacts get ids above every existing one, in file order (the table is locked)."""
    database_proxy.execute_sql(
        f"UPDATE {STAGE} SET contact_id = r.n + (SELECT COALESCE(MAX(id), 0) FROM contact) "
        f"FROM (SELECT line, ROW_NUMBER() OVER (ORDER BY line) AS n FROM {STAGE} "
        f"WHERE contact_id IS NULL) AS r WHERE {STAGE}.line = r.line")
    now = Contact.modified.db_value(utcnow())
    targets = [c for c in columns if c not in ("created", "modified")]
    targets += [c for c in NOT_NULL_DEFAULTS if c not in targets]
    values = [_value(c) if c in columns else _value(c).replace(f"s.{c}", "NULL")
              for c in targets]
    database_proxy.execute_sql(
        f"INSERT INTO contact (id, {', '.join(targets)}, created, modified) "
        f"SELECT s.contact_id, {', '.join(values)}, "
        f"{_timestamp('created', columns)}, {_timestamp('modified', columns)} "
        f"FROM {STAGE} s WHERE NOT s.existing ORDER BY s.contact_id", (now, now))
    staging.reset_sequence("contact")


def _timestamp(column: str, columns: list[str]) -> str:
    return (f"COALESCE(s.{column}, {database_proxy.param})" if column in columns
            else database_proxy.param)


def _write_custom_values() -> None:
    database_proxy.execute_sql(
        "INSERT INTO contact_field_value (contact_id, field_id, value) "
        f"SELECT s.contact_id, f.id, i.value FROM {CUSTOM_STAGE} i "
        f"JOIN {STAGE} s ON s.line = i.contact_line JOIN custom_field f ON f.name = i.name "
        "WHERE s.changed AND (i.value IS NOT NULL OR s.existing) "
        "ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value")

