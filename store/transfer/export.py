"""Exporting contacts, or a group's members with the flags that say why, as CSV or JSON.

Every contact column is written under the name an import reads back (our column names), then
one column per custom field, then, for members, the three source flags. Rows stream in
keyset pages, so a group of millions exports in flat memory. In CSV, text that a spreadsheet
would run as a formula is guarded with a leading apostrophe (and an import takes it off
again, so an exported file imports back to the same contacts).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from store.contact_fields import FIELDS
from store.contact_sets import ContactFilter, live_contacts
from store.db.models import (
    Contact,
    ContactFieldValue,
    CustomField,
    GroupLike,
    Membership,
)
from store.errors import StoreError
from store.reads.listing import STREAM_PAGE, iter_keyset
from store.transfer.csv_input import guard

FLAG_COLUMNS = ("from_condition", "from_account", "manual")
FORMATS = ("csv", "json")


def _custom_fields() -> list[tuple[int, str]]:
    return list(CustomField.select(CustomField.id, CustomField.name)
                .order_by(CustomField.name).tuples())


def columns(group: GroupLike | None = None) -> list[str]:
    """The header: contact columns, custom fields, and the flags for a group's members."""
    return ([f.column for f in FIELDS] + [name for _, name in _custom_fields()]
            + (list(FLAG_COLUMNS) if group else []))


def iter_rows(contact_filter: ContactFilter, group: GroupLike | None = None
              ) -> Iterator[dict[str, Any]]:
    """Live contacts matching the filter (or the group's members), in id order."""
    contact_columns = [getattr(Contact, f.column) for f in FIELDS]
    custom = _custom_fields()
    flags = [getattr(Membership, name) for name in FLAG_COLUMNS] if group else []

    def fetch_after(after: int) -> list[dict[str, Any]]:
        query = Contact.select(*contact_columns, *flags)
        if group is not None:
            query = query.join(Membership, on=(Membership.contact == Contact.id)).where(
                Membership.group == group.id)
        names = [f.column for f in FIELDS] + list(FLAG_COLUMNS if group else ())
        page = [dict(zip(names, values, strict=True)) for values in query.where(
            live_contacts() & contact_filter.expression() & (Contact.id > after))
            .order_by(Contact.id).limit(STREAM_PAGE).tuples()]
        _add_custom_values(page, custom)
        return page

    return iter_keyset(fetch_after, lambda row: row["id"])


def _add_custom_values(page: list[dict[str, Any]], custom: list[tuple[int, str]]) -> None:
    """One query for the page's custom values."""
    if not page or not custom:
        return
    names = dict(custom)
    by_id = {row["id"]: row for row in page}
    for row in page:
        row.update(dict.fromkeys(names.values()))
    values = (ContactFieldValue.select(ContactFieldValue.contact, ContactFieldValue.field,
                                       ContactFieldValue.value)
              .where(ContactFieldValue.contact.between(page[0]["id"], page[-1]["id"]))
              .tuples())
    for contact_id, field_id, value in values:
        if contact_id in by_id:
            by_id[contact_id][names[field_id]] = value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime | dt.date):
        return str(value)
    return guard(str(value)) if isinstance(value, str) else str(value)


def format_of(path: str, given: str | None = None) -> str:
    """``csv`` or ``json``: as given, else from the file's extension."""
    if given:
        return given
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise StoreError(f"cannot tell the format of '{path}': name it .csv or .json, "
                     "or give --format csv|json")


def export_to_file(path: str, contact_filter: ContactFilter, group: GroupLike | None = None,
                   output_format: str | None = None) -> int:
    """Write the export to ``path``: beside it first, renamed when complete, so a failed
    export never leaves half a file. Returns the rows written."""
    chosen = format_of(path, output_format)
    target = Path(path).expanduser()
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = write(out, chosen, contact_filter, group)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def write(out: TextIO, output_format: str, contact_filter: ContactFilter,
          group: GroupLike | None = None) -> int:
    """Write the rows to ``out``; returns how many."""
    header = columns(group)
    rows = iter_rows(contact_filter, group)
    count = 0
    if output_format == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(name)) for name in header])
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps({name: row.get(name) for name in header}, default=str,
                             ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count

