"""Logging what contacts do: activities and form submissions.

Each is written with the contact's ``modified`` time (so a rebuild running meanwhile
evaluates the contact again) and re-evaluates the contact for the groups that read that kind
of activity or that form, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from conditions import ACTIVITY_TYPES
from store.actor import current_actor
from store.clock import utcnow
from store.contacts import get_contact, touch_contact
from store.db.concurrency import begin_contact_change
from store.db.database import database_proxy
from store.db.models import Activity, Contact, FormFieldValue, FormSubmission
from store.engine.reevaluate import Change, reevaluate_contact
from store.errors import StoreError

FORM_ACTIVITY = "bizformsubmit"


def _live_contact(contact_id: int) -> Contact:
    contact = get_contact(contact_id)
    if contact.merged_into_id is not None:
        raise StoreError(f"contact {contact_id} was merged into contact "
                         f"{contact.merged_into_id}; log activities on the parent")
    return contact


def log_activity(contact_id: int, activity_type: str, *, at: dt.datetime | None = None,
                 item: str | None = None, url: str | None = None, value: float | None = None,
                 site_id: int | None = None, actor: str | None = None) -> Activity:
    activity_type = activity_type.strip().lower()
    if activity_type not in ACTIVITY_TYPES:
        raise StoreError(f"unknown activity type '{activity_type}' "
                         f"(one of {', '.join(ACTIVITY_TYPES)})")
    contact = _live_contact(contact_id)
    with database_proxy.atomic():
        begin_contact_change()
        activity = Activity.create(contact=contact.id, type=activity_type, at=at or utcnow(),
                                   item=item, url=url, value=value, site=site_id)
        touch_contact(contact.id)
        reevaluate_contact(contact.id, Change(activity_types=frozenset({activity_type})),
                           actor or current_actor())
    return activity


def record_form_submission(contact_id: int, form: str, fields: Mapping[str, str | None], *,
                           at: dt.datetime | None = None, site_id: int | None = None,
                           actor: str | None = None) -> FormSubmission:
    """A submitted form with its field values, and its ``bizformsubmit`` activity."""
    form = form.strip()
    if not form:
        raise StoreError("the form has no code name")
    contact = _live_contact(contact_id)
    at = at or utcnow()
    with database_proxy.atomic():
        begin_contact_change()
        submission = FormSubmission.create(form=form, contact=contact.id, site=site_id, at=at)
        if fields:
            FormFieldValue.insert_many(
                [(submission.id, name, value) for name, value in fields.items()],
                fields=[FormFieldValue.submission, FormFieldValue.field, FormFieldValue.value],
            ).execute()
        Activity.create(contact=contact.id, type=FORM_ACTIVITY, at=at, item=form, site=site_id)
        touch_contact(contact.id)
        change = Change(activity_types=frozenset({FORM_ACTIVITY}),
                        forms=frozenset({form.lower()}))
        reevaluate_contact(contact.id, change, actor or current_actor())
    return submission
