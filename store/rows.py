"""Frozen rows the store hands to the terminal UI, and the constants the UI compares with.

A row is data read in a worker: the UI thread reads its fields without touching the
database, where a Peewee model would load a foreign key (``task.group``) on first access.
Nothing here imports Peewee, so ``tui/`` can use it under the import rules of SPEC §2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

STATUS_READY = "Ready"
STATUS_REBUILD_REQUIRED = "Rebuild required"
STATUS_REBUILDING = "Rebuilding"
STATUS_FAILED = "Failed"

GENDER_UNKNOWN, GENDER_MALE, GENDER_FEMALE = 0, 1, 2


@dataclass(frozen=True)
class GroupRow:
    """A contact group as stored when it was read."""

    id: int
    code_name: str
    display_name: str
    description: str
    condition: str | None
    schedule_enabled: bool
    schedule_time: str | None
    status: str
    status_message: str | None
    slow_reason: str | None
    progress: float | None
    last_rebuild_at: dt.datetime | None
    last_rebuild_seconds: float | None
    last_added: int | None
    last_removed: int | None
    member_count: int
    created: dt.datetime
    modified: dt.datetime

    @classmethod
    def of(cls, group: Any) -> GroupRow:
        """The row of a loaded ``ContactGroup`` (typed ``Any``: models are not imported here)."""
        return cls(**{field.name: getattr(group, field.name) for field in fields(cls)})

    @property
    def is_condition_based(self) -> bool:
        return bool(self.condition and self.condition.strip())


@dataclass(frozen=True)
class TaskRow:
    """A group's daily rebuild, with its last run already resolved (see
    ``store.engine.scheduler.list_tasks``): the later of the scheduler's run and a rebuild by
    hand."""

    id: int
    group_id: int
    name: str
    time_of_day: str
    enabled: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_result: str


@dataclass(frozen=True)
class ContactDetails:
    """The fields of one contact the contact editor shows and edits, as stored."""

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    company: str | None
    job_title: str | None
    phone: str | None
    city: str | None
    country_code: str | None
    country_name: str | None
    gender: int
    birthday: dt.date | None
    status: str | None
    score: int
    merged_into_id: int | None

    @classmethod
    def of(cls, contact: Any) -> ContactDetails:
        """The details of a loaded ``Contact``."""
        return cls(**{field.name: getattr(contact, field.name) for field in fields(cls)})


@dataclass(frozen=True)
class MemberRow:
    """One line of a group's Contacts tab."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    country: str
    from_condition: bool
    from_account: bool
    manual: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ContactRow:
    """One contact in a list: the Contacts screen, a group's excluded contacts, the Add
    contacts picker."""

    contact_id: int
    first_name: str
    last_name: str
    email: str
    company: str
    city: str
    country: str
    merged_into: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def label(self) -> str:
        """How confirmations name the contact: "Jana Nová <jana@example.com> (#12)"."""
        name = self.name or "(no name)"
        email = f" <{self.email}>" if self.email else ""
        return f"{name}{email} (#{self.contact_id})"


@dataclass(frozen=True)
class AccountRow:
    """One line of a group's Accounts tab or of the Add accounts picker."""

    account_id: int
    name: str
    city: str
    country: str
    contacts: int
    """Live contacts linked to the account."""
