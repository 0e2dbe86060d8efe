"""``contacts``, ``activities`` and ``forms`` commands: a script's way to change contacts.

Each change goes through the store's services, which re-evaluate only the groups that read
what changed (SPEC §6), in the change's own transaction; the command then says which groups
the contact joined or left.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from store import activities, contact_fields, contacts, custom_fields
from store.errors import StoreError
from store.reads import listing
from store.reads.listing import GroupChange
from tui import formatting

CONTACT_LIST_COLUMNS = ("id", "first_name", "last_name", "email", "company", "city", "country")


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if getattr(args, "json", False) else text)


def _tracking_groups(contact_id: int | None, change: Callable[[], int]
                     ) -> tuple[int, GroupChange]:
    """Run ``change`` (returning the contact's id) and tell which groups it joined or left."""
    before = listing.contact_groups(contact_id) if contact_id is not None else []
    changed_id = change()
    return changed_id, GroupChange.between(before, listing.contact_groups(changed_id))


def _report(args: argparse.Namespace, verb: str, contact_id: int, moved: GroupChange) -> None:
    _emit(args, {"contact": contact_id, "joined": list(moved.joined), "left": list(moved.left)},
          f"Contact #{contact_id} {verb}; {moved.describe()}.")


def _assignments(values: list[str]) -> tuple[dict[str, Any], dict[str, str | None]]:
    return contact_fields.parse_assignments(values, custom_fields.names())


def cmd_contacts_add(args: argparse.Namespace) -> None:
    fields, custom = _assignments(args.fields)
    contact_id, moved = _tracking_groups(
        None, lambda: contacts.create_contact(custom=custom, **fields).id)
    _report(args, "created", contact_id, moved)


def cmd_contacts_update(args: argparse.Namespace) -> None:
    fields, custom = _assignments(args.fields)
    if not fields and not custom:
        raise StoreError("say what to change: FIELD=VALUE …")
    contacts.get_contact(args.id)
    _, moved = _tracking_groups(
        args.id, lambda: contacts.update_contact(args.id, custom=custom, **fields).id)
    _report(args, "updated", args.id, moved)


def cmd_contacts_delete(args: argparse.Namespace) -> None:
    for contact_id in args.ids:
        contacts.get_contact(contact_id)
    for contact_id in args.ids:
        contacts.delete_contact(contact_id)
    _emit(args, {"deleted": args.ids},
          f"Deleted {formatting.plural(len(args.ids), 'contact')}.")


def cmd_contacts_merge(args: argparse.Namespace) -> None:
    def merge() -> int:
        contacts.merge_contacts(args.parent, args.children)
        return args.parent

    _, moved = _tracking_groups(args.parent, merge)
    _emit(args, {"contact": args.parent, "merged": args.children,
                 "joined": list(moved.joined), "left": list(moved.left)},
          f"Merged {formatting.plural(len(args.children), 'contact')} into "
          f"#{args.parent}; {moved.describe()}.")


def cmd_contacts_show(args: argparse.Namespace) -> None:
    contact = contacts.get_contact(args.id)
    data: dict[str, Any] = {field.column: getattr(contact, field.column)
                            for field in contact_fields.FIELDS}
    data["merged_into"] = contact.merged_into_id
    data["custom"] = custom_fields.values_of(contact.id)
    data["groups"] = [{"code": g.code_name, "name": g.display_name, "why": g.reasons()}
                      for g in listing.contact_groups(contact.id)]
    lines = [formatting.key_values({k: v for k, v in data.items()
                                    if k not in ("custom", "groups")})]
    lines += [f"{name}: {value or ''}" for name, value in data["custom"].items()]
    lines += [f"In {g['name']} ({g['code']}): {g['why']}" for g in data["groups"]]
    _emit(args, data, "\n".join(lines))


def cmd_contacts_list(args: argparse.Namespace) -> None:
    rows = listing.contact_page(0, args.limit, args.filter)
    total = listing.count_contacts(args.filter)
    cells = [(r.contact_id, r.first_name, r.last_name, r.email, r.company, r.city, r.country)
             for r in rows]
    _emit(args, [dict(zip(CONTACT_LIST_COLUMNS, c, strict=True)) for c in cells],
          formatting.table(CONTACT_LIST_COLUMNS, cells)
          + f"\n{len(rows):,} of {formatting.plural(total, 'contact')}")


def cmd_activities_log(args: argparse.Namespace) -> None:
    at = _moment(args.at)
    _, moved = _tracking_groups(args.contact, lambda: activities.log_activity(
        args.contact, args.type, at=at, item=args.item, url=args.url, value=args.value
    ).contact_id)
    _report(args, f"logged {args.type.strip().lower()}", args.contact, moved)


def cmd_forms_submit(args: argparse.Namespace) -> None:
    values = {}
    for assignment in args.fields:
        name, equals, value = assignment.partition("=")
        if not equals or not name.strip():
            raise StoreError(f"'{assignment}' is not FIELD=VALUE")
        values[name.strip()] = value
    at = _moment(args.at)
    _, moved = _tracking_groups(args.contact, lambda: activities.record_form_submission(
        args.contact, args.form, values, at=at).contact_id)
    _report(args, f"submitted {args.form}", args.contact, moved)


def _moment(text: str | None):
    try:
        return contact_fields.timestamp(text) if text else None
    except ValueError as error:
        raise StoreError(f"--at: {error}") from None
