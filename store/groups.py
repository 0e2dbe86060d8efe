"""Contact groups: naming rules, lookup, creation, change and deletion."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import peewee as pw

from store.binding.condition_reads import encode
from store.clock import utcnow
from store.db.database import database_proxy
from store.db.models import ContactGroup, GroupLike
from store.engine import scheduler
from store.errors import NotFound, StoreError
from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED, STATUS_REBUILDING, GroupRow
from store.settings import CONDITION_FEATURE, require_ems

if TYPE_CHECKING:
    from store.binding.condition_service import SavedCondition

CODE_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
CODE_NAME_MAX = 100


def derive_code_name(display_name: str) -> str:
    """Kentico-style code name from a display name: "Inactive contacts" → "InactiveContacts".

    Accents are dropped and every character outside letters, digits, ``_ . -`` goes.
    """
    ascii_text = (unicodedata.normalize("NFKD", display_name)
                  .encode("ascii", "ignore").decode("ascii"))
    words = re.split(r"[^A-Za-z0-9_.\-]+", ascii_text)
    return "".join(word[:1].upper() + word[1:] for word in words if word)[:CODE_NAME_MAX]


def validate_code_name(code_name: str, *, exclude_id: int | None = None) -> str:
    """The code name, or a StoreError saying why it cannot be used."""
    code_name = code_name.strip()
    if not code_name:
        raise StoreError("the code name is empty")
    if len(code_name) > CODE_NAME_MAX:
        raise StoreError(f"the code name is longer than {CODE_NAME_MAX} characters")
    if not CODE_NAME_RE.match(code_name):
        bad = sorted({ch for ch in code_name if not CODE_NAME_RE.match(ch)})
        shown = " ".join(repr(ch) for ch in bad[:5])
        raise StoreError(
            f"code name '{code_name}' may contain only letters, digits, '_', '.' and '-' "
            f"(found {shown})"
        )
    clash = ContactGroup.select().where(pw.fn.LOWER(ContactGroup.code_name) == code_name.lower())
    if exclude_id is not None:
        clash = clash.where(ContactGroup.id != exclude_id)
    existing = clash.first()
    if existing is not None:
        raise StoreError(f"a group with code name '{existing.code_name}' already exists")
    return code_name


def validate_display_name(display_name: str) -> str:
    display_name = display_name.strip()
    if not display_name:
        raise StoreError("the display name is empty")
    if len(display_name) > 200:
        raise StoreError("the display name is longer than 200 characters")
    return display_name


def get_group(code_name: str) -> ContactGroup:
    """The group with this code name (case-insensitive), or NotFound."""
    group = ContactGroup.get_or_none(pw.fn.LOWER(ContactGroup.code_name) == code_name.lower())
    if group is None:
        raise NotFound(f"no contact group with code name '{code_name}'")
    return group


def get_group_by_id(group_id: int) -> ContactGroup:
    """The group as stored now (screens re-read it to show other processes' changes)."""
    group = ContactGroup.get_or_none(ContactGroup.id == group_id)
    if group is None:
        raise NotFound("the contact group no longer exists (deleted by someone else?)")
    return group


def read_group(group_id: int) -> GroupRow:
    """The group as stored now, as a row (screens re-read it to show other processes'
    changes); NotFound when it is gone."""
    return GroupRow.of(get_group_by_id(group_id))


def read_group_named(code_name: str) -> GroupRow:
    """The group with this code name (case-insensitive) as a row, or NotFound: what the
    command line shows and hands back to the services."""
    return GroupRow.of(get_group(code_name))


def list_groups() -> list[GroupRow]:
    """Every group, by display name."""
    return [GroupRow.of(group) for group in
            ContactGroup.select().order_by(pw.fn.LOWER(ContactGroup.display_name))]


def create_group(display_name: str, code_name: str | None = None, description: str = "",
                 condition: str | None = None) -> ContactGroup:
    """Create a group; the code name is derived from the display name when not given."""
    display_name = validate_display_name(display_name)
    saved = _prepare(condition)
    with database_proxy.atomic():
        code = validate_code_name(code_name if code_name is not None
                                  else derive_code_name(display_name) or "Group")
        _check_no_cycle(code, saved)
        return ContactGroup.create(
            display_name=display_name, code_name=code, description=description.strip(),
            **_condition_columns(saved),
            status=STATUS_REBUILD_REQUIRED if saved else STATUS_READY,
        )


def update_group(group: ContactGroup, *, display_name: str | None = None,
                 code_name: str | None = None, description: str | None = None,
                 condition: str | None = None, clear_condition: bool = False) -> ContactGroup:
    """Change a group; a changed condition marks it *Rebuild required*."""
    if group.status == STATUS_REBUILDING:
        raise StoreError(f"'{group.display_name}' is being rebuilt; save again when it is done")
    with database_proxy.atomic():
        if display_name is not None:
            group.display_name = validate_display_name(display_name)
        if code_name is not None:
            group.code_name = validate_code_name(code_name, exclude_id=group.id)
        if description is not None:
            group.description = description.strip()
        if clear_condition:
            _set_condition(group, None)
            group.status = STATUS_READY
        elif condition is not None and _changed(group.condition, condition):
            saved = _prepare(condition)
            _check_no_cycle(group.code_name, saved)
            _set_condition(group, saved)
            group.status = STATUS_REBUILD_REQUIRED
        elif condition is not None and condition.strip():
            require_ems(CONDITION_FEATURE)  # kept as it is, but still a condition group
        group.modified = utcnow()
        # Only what changed: the count and status in a stale instance would overwrite a
        # concurrent change's.
        group.save(only=group.dirty_fields)
    return group


def save_group(group_id: int | None, *, display_name: str, code_name: str | None = None,
               description: str = "", condition: str | None = None,
               clear_condition: bool = False, schedule: bool | None = None,
               schedule_time: str | None = None) -> GroupRow:
    """Create a group (``group_id`` None) or change one, and turn its daily rebuild on or
    off, in one transaction; returns the group as stored.

    An admin saves a group's fields and its schedule as one form: when the schedule is
    refused (or anything fails once the group is written), nothing is saved, rather than a
    new group without its schedule or a new condition with the old one. ``schedule`` None
    leaves the schedule as it is; the other arguments mean what they mean for
    :func:`create_group` and :func:`update_group`.
    """
    with database_proxy.atomic():
        if group_id is None:
            group = create_group(display_name, code_name, description, condition)
        else:
            group = update_group(get_group_by_id(group_id), display_name=display_name,
                                 code_name=code_name, description=description,
                                 condition=condition, clear_condition=clear_condition)
        if schedule is not None:
            scheduler.schedule_group(group, schedule, schedule_time)
        return read_group(group.id)


def delete_group(group: GroupLike) -> None:
    """Delete the group with its memberships, exclusions, accounts and schedule (the
    foreign keys cascade)."""
    with database_proxy.atomic():
        ContactGroup.delete().where(ContactGroup.id == group.id).execute()


def _changed(stored: str | None, condition: str) -> bool:
    """Whether saving ``condition`` changes the stored one (an unchanged one is not checked
    again: saving a group's name must not parse its condition)."""
    return (condition.strip() or None) != stored


def _prepare(condition: str | None) -> SavedCondition | None:
    """The condition to store, after the same check ``condition check`` runs; None if empty."""
    if condition is None or not condition.strip():
        return None
    require_ems(CONDITION_FEATURE)
    # The condition language is loaded when a condition is saved, not when the groups are
    # listed: the terminal UI opens faster for it.
    from store.binding.condition_service import prepare

    return prepare(condition.strip())


def _condition_columns(saved: SavedCondition | None) -> dict[str, str | None]:
    """The group's columns for ``saved``: the text, and what saving it found out."""
    if saved is None:
        return {"condition": None, "slow_reason": None, "condition_reads": None}
    return {"condition": saved.text, "slow_reason": saved.slow_reason,
            "condition_reads": encode(saved.reads)}


def _set_condition(group: ContactGroup, saved: SavedCondition | None) -> None:
    for column, value in _condition_columns(saved).items():
        setattr(group, column, value)


def _check_no_cycle(code_name: str, saved: SavedCondition | None) -> None:
    from store.engine.group_graph import check_no_cycle  # see _prepare

    check_no_cycle(code_name, saved.reads.groups if saved is not None else frozenset())
