"""Peewee models: the tables of SPEC §3.

Times are naive UTC. Audit rows keep plain ids (no foreign keys) so that the trail of a
deleted contact survives it. Every index here exists for a query the product runs: members by
group (lists, counts), memberships by contact (merge, incremental re-evaluation), activities
by contact and time and by type and time (conditions).
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from store.clock import utc_naive, utcnow
from store.db.database import database_proxy
from store.rows import GENDER_UNKNOWN, STATUS_READY, GroupRow


class UtcDateTimeField(pw.DateTimeField):
    """A timestamp stored as naive UTC: an aware value is converted on its way in.

    Without this a value with an offset was stored with its offset text (SQLite) or shifted
    to the session's zone (PostgreSQL), and "the last X days" windows compared wrong times.
    """

    def db_value(self, value: object) -> object:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = utc_naive(value)
        return super().db_value(value)


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Site(BaseModel):
    code_name = pw.CharField(max_length=100, unique=True)
    display_name = pw.CharField(max_length=200)


class Country(BaseModel):
    """A country with the id an installation gave it, so that a migrated
    ``ContactCountryID == 326`` keeps meaning the Czech Republic."""

    code = pw.CharField(max_length=2, null=True, unique=True)  # ISO two-letter
    three_letter_code = pw.CharField(max_length=3, null=True)
    name = pw.CharField(max_length=200, unique=True)  # code name, e.g. CzechRepublic
    display_name = pw.CharField(max_length=200)


class State(BaseModel):
    country = pw.ForeignKeyField(Country, on_delete="CASCADE", index=True)
    code = pw.CharField(max_length=100, null=True)
    name = pw.CharField(max_length=200)
    display_name = pw.CharField(max_length=200)


class ContactStatus(BaseModel):
    """A contact status an installation defined (Kentico seeds none)."""

    name = pw.CharField(max_length=200, unique=True)
    display_name = pw.CharField(max_length=200)
    description = pw.TextField(null=True)


class Contact(BaseModel):
    first_name = pw.CharField(max_length=100, null=True)
    last_name = pw.CharField(max_length=100, null=True, index=True)
    email = pw.CharField(max_length=254, null=True, index=True)
    company = pw.CharField(max_length=200, null=True)
    job_title = pw.CharField(max_length=200, null=True)
    phone = pw.CharField(max_length=50, null=True)
    city = pw.CharField(max_length=100, null=True)
    country_code = pw.CharField(max_length=2, null=True)
    country_name = pw.CharField(max_length=100, null=True)
    gender = pw.SmallIntegerField(default=GENDER_UNKNOWN)
    birthday = pw.DateField(null=True)
    status = pw.CharField(max_length=50, null=True)
    score = pw.IntegerField(default=0)
    created = UtcDateTimeField(default=utcnow)
    modified = UtcDateTimeField(default=utcnow, index=True)
    merged_into = pw.ForeignKeyField("self", null=True, backref="merged_children",
                                     on_delete="SET NULL", index=True)
    middle_name = pw.CharField(max_length=100, null=True)
    address = pw.CharField(max_length=200, null=True)
    zip = pw.CharField(max_length=100, null=True)
    business_phone = pw.CharField(max_length=50, null=True)
    monitored = pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])
    owner_user_id = pw.IntegerField(null=True)
    country = pw.ForeignKeyField(Country, null=True, on_delete="SET NULL", index=False)
    state = pw.ForeignKeyField(State, null=True, on_delete="SET NULL", index=False)
    status_ref = pw.ForeignKeyField(ContactStatus, null=True, on_delete="SET NULL",
                                    index=False, column_name="status_id")


class CustomField(BaseModel):
    """A custom contact field an installation added; conditions read it by name."""

    name = pw.CharField(max_length=100, unique=True)
    caption = pw.CharField(max_length=200)


class ContactFieldValue(BaseModel):
    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE")
    field = pw.ForeignKeyField(CustomField, on_delete="CASCADE")
    value = pw.TextField(null=True)

    class Meta:
        indexes = ((("contact", "field"), True),)


class Account(BaseModel):
    name = pw.CharField(max_length=200, unique=True)
    city = pw.CharField(max_length=100, null=True)
    country_code = pw.CharField(max_length=2, null=True)
    created = UtcDateTimeField(default=utcnow)


class AccountContact(BaseModel):
    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE", index=True)
    role = pw.CharField(max_length=100, null=True)

    class Meta:
        indexes = ((("account", "contact"), True),)


class Activity(BaseModel):
    """Something a contact did. ``item`` names what it was done to (a form, a newsletter,
    an email) so that a later activity of a cancelling type can cancel it. The table also
    has ``page``, the page of ``url``, which the database generates and indexes (no field
    here, so no insert names it: see ``store.db.page_column``)."""

    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE", index=False)
    type = pw.CharField(max_length=50)
    site = pw.ForeignKeyField(Site, null=True, on_delete="SET NULL", index=False)
    at = UtcDateTimeField()
    item = pw.CharField(max_length=200, null=True)
    url = pw.CharField(max_length=500, null=True)
    value = pw.FloatField(null=True)

    class Meta:
        indexes = (
            (("contact", "at"), False),
            (("type", "at"), False),
        )


class FormSubmission(BaseModel):
    form = pw.CharField(max_length=100)
    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE", index=False)
    site = pw.ForeignKeyField(Site, null=True, on_delete="SET NULL", index=False)
    at = UtcDateTimeField()

    class Meta:
        indexes = (
            (("contact", "form", "at"), False),
            (("form", "at"), False),
        )


class FormFieldValue(BaseModel):
    submission = pw.ForeignKeyField(FormSubmission, on_delete="CASCADE", index=True)
    field = pw.CharField(max_length=100)
    value = pw.TextField(null=True)


class ContactGroup(BaseModel):
    code_name = pw.CharField(max_length=100, unique=True)
    display_name = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    condition = pw.TextField(null=True)  # empty: a static group
    schedule_enabled = pw.BooleanField(default=False)
    schedule_time = pw.CharField(max_length=5, null=True)  # "HH:MM", local time
    status = pw.CharField(max_length=30, default=STATUS_READY)
    status_message = pw.TextField(null=True)
    slow_reason = pw.TextField(null=True)  # why the condition has no SQL translation
    condition_reads = pw.TextField(null=True)  # what it reads: store.binding.condition_reads
    progress = pw.FloatField(null=True)
    last_rebuild_at = UtcDateTimeField(null=True)
    last_rebuild_seconds = pw.FloatField(null=True)
    last_added = pw.IntegerField(null=True)
    last_removed = pw.IntegerField(null=True)
    member_count = pw.IntegerField(default=0)
    created = UtcDateTimeField(default=utcnow)
    modified = UtcDateTimeField(default=utcnow)

    @property
    def is_condition_based(self) -> bool:
        return bool(self.condition and self.condition.strip())


# A group as functions that read its fields (not save it) take it: the model the store and
# the command line load, or the row the terminal UI holds.
GroupLike = ContactGroup | GroupRow


class Membership(BaseModel):
    """One row per (group, contact); the three flags say why the contact is in."""

    group = pw.ForeignKeyField(ContactGroup, on_delete="CASCADE", index=False)
    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE", index=True)
    from_condition = pw.BooleanField(default=False)
    from_account = pw.BooleanField(default=False)
    manual = pw.BooleanField(default=False)
    added_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "contact"), True),)


class Exclusion(BaseModel):
    """A contact removed from a condition-based group and kept out until re-included."""

    group = pw.ForeignKeyField(ContactGroup, on_delete="CASCADE", index=False)
    contact = pw.ForeignKeyField(Contact, on_delete="CASCADE", index=True)
    actor = pw.CharField(max_length=100)
    at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "contact"), True),)


class GroupAccount(BaseModel):
    group = pw.ForeignKeyField(ContactGroup, on_delete="CASCADE", index=False)
    account = pw.ForeignKeyField(Account, on_delete="CASCADE", index=True)
    added_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "account"), True),)


class AuditBatch(BaseModel):
    """One change to a group's membership: what (action), why (source), who, when, and how
    many contacts it touched — a rebuild's additions, a bulk removal, an account added.

    The contacts are rows of :class:`AuditContact`, two integers each: a rebuild adding
    350,000 members writes one batch and 350,000 narrow rows, where one wide event per
    contact (action, source, actor and time repeated) cost more than the members themselves.
    """

    group_id = pw.IntegerField()
    account_id = pw.IntegerField(null=True)  # set for an account added to or removed from it
    action = pw.CharField(max_length=20)  # added / removed / excluded / included
    source = pw.CharField(max_length=20)  # condition / manual / account / merge / import / ...
    actor = pw.CharField(max_length=100)
    at = UtcDateTimeField(default=utcnow)
    contacts = pw.IntegerField(default=0)

    class Meta:
        # History pages a group's batches newest first, by id.
        indexes = ((("group_id", "id"), False),)


class AuditContact(BaseModel):
    """A contact an :class:`AuditBatch` changed. Keyed by (batch, contact), a B-tree of its
    own on SQLite (WITHOUT ROWID, see store.db.schema), filled in key order by a batch; no index
    on the contact alone: a lookup goes through the group's few batches."""

    batch_id = pw.IntegerField()
    contact_id = pw.IntegerField()

    class Meta:
        primary_key = pw.CompositeKey("batch_id", "contact_id")


class GroupSizeSample(BaseModel):
    """The member count after each change, for the History plot."""

    group = pw.ForeignKeyField(ContactGroup, on_delete="CASCADE", index=False)
    at = UtcDateTimeField(default=utcnow)
    members = pw.IntegerField()

    class Meta:
        indexes = ((("group", "at"), False),)


class ScheduledTask(BaseModel):
    group = pw.ForeignKeyField(ContactGroup, on_delete="CASCADE", unique=True)
    name = pw.CharField(max_length=300)
    time_of_day = pw.CharField(max_length=5)  # "HH:MM"
    enabled = pw.BooleanField(default=True)
    last_run_at = UtcDateTimeField(null=True)
    next_run_at = UtcDateTimeField(null=True)
    last_result = pw.TextField(null=True)


class Setting(BaseModel):
    key = pw.CharField(max_length=100, primary_key=True)
    value = pw.TextField()




class RebuildLock(BaseModel):
    """Who is rebuilding a group right now, across every process on the database.

    The holder refreshes ``heartbeat_at`` as it works; a lock whose holder died (its process
    is gone, or its heartbeat stopped) is taken over by the next request.
    """

    group = pw.ForeignKeyField(ContactGroup, primary_key=True, on_delete="CASCADE")
    user = pw.CharField(max_length=100)
    host = pw.CharField(max_length=255)
    pid = pw.IntegerField()
    started_at = UtcDateTimeField()
    heartbeat_at = UtcDateTimeField()
    previous_status = pw.CharField(max_length=30)
    token = pw.CharField(max_length=32, default="")  # this holder's own: see store.engine.locks


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Site, Country, State, ContactStatus, Contact, CustomField, ContactFieldValue, Account,
    AccountContact, Activity,
    FormSubmission, FormFieldValue, ContactGroup, Membership, Exclusion, GroupAccount,
    AuditBatch, AuditContact, GroupSizeSample, ScheduledTask, Setting, RebuildLock,
)
