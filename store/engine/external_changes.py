"""Noticing what other systems wrote straight into the database (a CRM, a website).

Our own services re-evaluate a contact when they change it. A system that writes the tables
directly does not, so the scheduler calls :func:`catch_up` every few seconds: watermarks
(kept as settings) on ``contact.modified`` and on the highest activity and form submission
ids say what is new since the last look, and the contacts concerned are re-evaluated in one
set-based batch (:mod:`store.engine.bulk_reevaluate`), as Kentico's own batching does.

The modified-time watermark looks back a few seconds (:data:`OVERLAP`): a writer whose
transaction commits after a later one would otherwise slip under it. Looking twice at a
contact is harmless; re-evaluation only writes what differs. Ids need no such margin on
SQLite (one writer at a time); on PostgreSQL a transaction that took an id and commits after
a higher one has been seen is missed until the contact changes again or its group rebuilds.
Contacts our own services wrote are looked at again too (they moved ``modified``): cheap,
set-based, and the price of not trusting any writer to say what it did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store.db.database import database_proxy
from store.db.models import Activity, Contact, FormSubmission, Setting
from store.engine.bulk_reevaluate import BulkReevaluation, reevaluate_contacts
from store.engine.reevaluate import Change
from store.settings import get_setting
from store.transfer import staging

OVERLAP = dt.timedelta(seconds=10)
CHANGED = "external_changed"
KEYS = ("watch_contact_modified", "watch_activity_id", "watch_submission_id")
EXTERNAL_ACTOR = "external change"


@dataclass(frozen=True)
class Watermarks:
    modified: dt.datetime
    activity_id: int
    submission_id: int

    @classmethod
    def stored(cls) -> Watermarks | None:
        values = [get_setting(key, "") for key in KEYS]
        if not all(values):
            return None
        return cls(dt.datetime.fromisoformat(values[0]), int(values[1]), int(values[2]))

    @classmethod
    def current(cls) -> Watermarks:
        """The highest modified time and ids in the database now."""
        modified = Contact.select(Contact.modified).order_by(Contact.modified.desc()).scalar()
        return cls(modified or dt.datetime(1970, 1, 1),
                   Activity.select(Activity.id).order_by(Activity.id.desc()).scalar() or 0,
                   FormSubmission.select(FormSubmission.id)
                   .order_by(FormSubmission.id.desc()).scalar() or 0)

    def store(self) -> None:
        for key, value in zip(KEYS, (self.modified.isoformat(sep=" "), str(self.activity_id),
                                     str(self.submission_id)), strict=True):
            Setting.insert(key=key, value=value).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: value}).execute()


@dataclass(frozen=True)
class CatchUp:
    """What one look found: how many contacts were re-evaluated, and the groups' changes."""

    contacts: int
    result: BulkReevaluation


def catch_up() -> CatchUp:
    """Re-evaluate the contacts other systems changed since the last call.

    The first call only sets the watermarks: what was written before the scheduler ever ran
    is a rebuild's business.
    """
    with database_proxy.atomic():
        seen, now = Watermarks.stored(), Watermarks.current()
        if seen is None or seen == now:  # first look, or nothing new
            now.store()
            return CatchUp(0, BulkReevaluation())
        staging.create(CHANGED, [("contact_id", "INTEGER")])
        param = database_proxy.param
        database_proxy.execute_sql(
            f"INSERT INTO {CHANGED} (line, contact_id) SELECT id, id FROM ("
            f"SELECT id FROM contact WHERE modified > {param} AND modified <= {param} UNION "
            f"SELECT contact_id FROM activity WHERE id > {param} AND id <= {param} UNION "
            f"SELECT contact_id FROM form_submission WHERE id > {param} AND id <= {param}"
            ") AS changed",
            (Contact.modified.db_value(seen.modified - OVERLAP),
             Contact.modified.db_value(now.modified), seen.activity_id, now.activity_id,
             seen.submission_id, now.submission_id))
        count = database_proxy.execute_sql(f"SELECT COUNT(*) FROM {CHANGED}").fetchone()[0]
        result = BulkReevaluation()
        if count:
            result = reevaluate_contacts(f"SELECT contact_id FROM {CHANGED}",
                                         Change(everything=True), EXTERNAL_ACTOR)
        staging.drop(CHANGED)
        now.store()
    return CatchUp(int(count), result)
