"""Custom contact fields (an installation's own columns, read by conditions by name)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from conditions import unstorable_character
from store.db.models import ContactFieldValue, CustomField
from store.errors import StoreError


def names() -> set[str]:
    return {name for (name,) in CustomField.select(CustomField.name).tuples()}


def ids_by_name(wanted: Iterable[str]) -> dict[str, int]:
    """Ids of the custom fields named ``wanted`` (any case); an unknown one is refused."""
    known = {name.lower(): field_id for field_id, name
             in CustomField.select(CustomField.id, CustomField.name).tuples()}
    result = {}
    for name in wanted:
        if name.lower() not in known:
            raise StoreError(f"no custom field '{name}'")
        result[name] = known[name.lower()]
    return result


def create(names_: Iterable[str]) -> None:
    """Define custom fields that do not exist yet (an import bringing new columns)."""
    existing = {name.lower() for name in names()}
    for name in names_:
        if name.lower() not in existing:
            if unstorable_character(name) is not None or not name.strip():
                raise StoreError(f"'{name}' cannot be a custom field name")
            CustomField.create(name=name, caption=name)
            existing.add(name.lower())


def set_values(contact_id: int, values: Mapping[str, str | None]) -> frozenset[str]:
    """Write one contact's custom values; returns the names whose value changed."""
    if not values:
        return frozenset()
    ids = ids_by_name(values)
    current = dict(ContactFieldValue.select(ContactFieldValue.field, ContactFieldValue.value)
                   .where(ContactFieldValue.contact == contact_id).tuples())
    changed = {name for name, value in values.items() if current.get(ids[name]) != value}
    for name in changed:
        (ContactFieldValue.insert(contact=contact_id, field=ids[name], value=values[name])
         .on_conflict(conflict_target=[ContactFieldValue.contact, ContactFieldValue.field],
                      update={ContactFieldValue.value: values[name]}).execute())
    return frozenset(changed)


def values_of(contact_id: int) -> dict[str, str | None]:
    rows = (ContactFieldValue.select(CustomField.name, ContactFieldValue.value)
            .join(CustomField).where(ContactFieldValue.contact == contact_id)
            .order_by(CustomField.name).tuples())
    return dict(rows)


