"""Groups reading groups: rebuild order and cycles refused at save."""

from __future__ import annotations

import pytest

from store import groups
from store.db.models import ContactGroup
from store.engine.group_graph import rebuild_order
from store.errors import StoreError


def test_rebuild_order_puts_dependencies_first(db):
    top = groups.create_group("Top", condition='Contact.IsInContactGroup("Middle;Base", true)')
    middle = groups.create_group("Middle", condition='Contact.IsInContactGroup("base")')
    base = groups.create_group("Base", condition="Contact.ContactAge > 30")
    order = [g.code_name for g in rebuild_order([top, middle, base])]
    assert order.index("Base") < order.index("Middle") < order.index("Top")


def test_a_condition_closing_a_cycle_is_refused_naming_it(db):
    groups.create_group("First", condition='Contact.IsInContactGroup("Second")')
    groups.create_group("Second", condition="Contact.ContactAge > 30")
    second = groups.get_group("Second")
    with pytest.raises(StoreError, match=r"cycle of groups: .*First → Second → First|"
                                         r"cycle of groups: .*Second → First → Second"):
        groups.update_group(second, condition='Contact.IsInContactGroup("first")')
    assert groups.get_group("Second").condition == "Contact.ContactAge > 30"


def test_a_group_reading_itself_is_refused(db):
    with pytest.raises(StoreError, match="Loop → Loop"):
        groups.create_group("Loop", condition='Contact.IsInContactGroup("loop")')
    assert ContactGroup.select().count() == 0


def test_saving_during_a_rebuild_is_refused(db):
    from store.engine import locks

    group = groups.create_group("Busy", condition="Contact.ContactAge > 30")
    locks.acquire(group)
    with pytest.raises(StoreError, match="being rebuilt"):
        groups.update_group(groups.get_group("Busy"), condition="Contact.ContactAge > 40")


def test_bulk_changes_to_a_group_mark_its_readers_for_rebuild(db):
    from store import membership
    from store.contact_sets import Selection
    from store.engine.rebuild import rebuild_group
    from store.rows import STATUS_READY, STATUS_REBUILD_REQUIRED

    from .helpers import ACTOR, make_contacts

    (a,) = make_contacts(1)
    base = groups.create_group("Base")
    reader = groups.create_group("Reader", condition='Contact.IsInContactGroup("Base")')
    other = groups.create_group("Other", condition="Contact.ContactAge > 30")
    rebuild_group(reader, actor=ACTOR)
    rebuild_group(other, actor=ACTOR)
    membership.add_contacts(base, Selection.of_ids([a]), actor=ACTOR)
    assert groups.get_group("Reader").status == STATUS_REBUILD_REQUIRED
    assert groups.get_group("Other").status == STATUS_READY
    assert rebuild_group(groups.get_group("Reader"), actor=ACTOR).added == 1
