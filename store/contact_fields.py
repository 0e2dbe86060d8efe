"""The contact fields a person or a file may name, and how their text becomes a value.

The command line (``contacts add email=…``) and the CSV import share this catalogue: a field
is known by our column name, by Kentico's database column (``ContactEmail``) and by the
caption Kentico's list export writes ("Email address"), in any case and spacing. Each field
turns text into a stored value or says in a few words why it cannot (``ValueError``), so an
import can report the line and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from store.db.models import Contact
from store.errors import StoreError
from store.rows import GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GENDERS = {"": GENDER_UNKNOWN, "0": GENDER_UNKNOWN, "unknown": GENDER_UNKNOWN,
           "1": GENDER_MALE, "male": GENDER_MALE, "m": GENDER_MALE,
           "2": GENDER_FEMALE, "female": GENDER_FEMALE, "f": GENDER_FEMALE}
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"", "0", "false", "no", "n"}


def fold_name(name: str) -> str:
    """``Email address`` / ``email_address`` / ``EmailAddress`` → ``emailaddress``."""
    return re.sub(r"[\s_\-]", "", name).lower()


def text(value: str) -> str | None:
    """Plain text: kept as written, empty as NULL. (What no database can hold — a NUL, bytes
    that are not text — is refused before: per row by an import, per argument by the
    command line, per field by the contact services.)"""
    return value if value.strip() else None


def email(value: str) -> str | None:
    stripped = value.strip()
    if stripped and not EMAIL_RE.match(stripped):
        raise ValueError(f"bad email '{stripped}'")
    return text(stripped)


def whole_number(value: str) -> int | None:
    stripped = value.strip()
    if not stripped:
        return None
    try:
        return int(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a whole number") from None


def gender(value: str) -> int:
    try:
        return GENDERS[value.strip().lower()]
    except KeyError:
        raise ValueError(f"bad gender '{value.strip()}' (0/1/2, male, female)") from None


def boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"'{value.strip()}' is not yes or no")


def date(value: str) -> dt.date | None:
    """A date, also written as a midnight date-time (Kentico exports birthdays so)."""
    stripped = value.strip()
    if not stripped:
        return None
    try:
        day = dt.date.fromisoformat(stripped[:10])
    except ValueError:
        raise ValueError(f"bad date '{stripped}' (YYYY-MM-DD)") from None
    if len(stripped) > 10 and not _is_time_of_day(stripped[10:]):
        raise ValueError(f"bad date '{stripped}' (YYYY-MM-DD)")
    if day > dt.date.today():
        raise ValueError(f"the date {day} is in the future")
    return day


def _is_time_of_day(rest: str) -> bool:
    try:
        dt.datetime.fromisoformat("2000-01-01" + rest.replace(" ", "T", 1))
    except ValueError:
        return False
    return True


def timestamp(value: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A date-time as stored (naive UTC); a time without an offset is in ``zone``."""
    stripped = value.strip()
    if not stripped:
        return None
    try:
        moment = dt.datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad date '{stripped}' (YYYY-MM-DD HH:MM:SS)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Field:
    """A contact column and every name a file or a command may give it."""

    column: str
    parse: Callable[[str], Any]
    names: tuple[str, ...] = ()

    @cached_property
    def max_length(self) -> int | None:
        return getattr(getattr(Contact, self.column, None), "max_length", None)

    def value(self, raw: str) -> Any:
        """The stored value of ``raw``; ``ValueError`` says why it cannot be one."""
        parsed = self.parse(raw)
        limit = self.max_length
        if isinstance(parsed, str) and limit is not None and len(parsed) > limit:
            raise ValueError(f"longer than {limit} characters")
        return parsed


FIELDS: tuple[Field, ...] = (
    Field("id", whole_number, ("ContactID",)),
    Field("first_name", text, ("ContactFirstName", "First name")),
    Field("middle_name", text, ("ContactMiddleName", "Middle name")),
    Field("last_name", text, ("ContactLastName", "Last name")),
    Field("email", email, ("ContactEmail", "Email address", "E-mail")),
    Field("company", text, ("ContactCompanyName", "Company name")),
    Field("job_title", text, ("ContactJobTitle", "Job title")),
    Field("phone", text, ("ContactMobilePhone", "Mobile phone")),
    Field("business_phone", text, ("ContactBusinessPhone",)),
    Field("address", text, ("ContactAddress1", "Address 1")),
    Field("city", text, ("ContactCity",)),
    Field("zip", text, ("ContactZIP", "Postal code")),
    Field("country_code", text, ("ContactCountryCode", "Country code")),
    Field("country_name", text, ("ContactCountryName", "Country")),
    Field("country_id", whole_number, ("ContactCountryID",)),
    Field("state_id", whole_number, ("ContactStateID",)),
    Field("gender", gender, ("ContactGender",)),
    Field("birthday", date, ("ContactBirthday",)),
    Field("status", text, ("ContactStatus",)),
    Field("status_id", whole_number, ("ContactStatusID",)),
    Field("score", whole_number, ("ContactScore",)),
    Field("monitored", boolean, ("ContactMonitored",)),
    Field("owner_user_id", whole_number, ("ContactOwnerUserID",)),
    Field("created", timestamp, ("ContactCreated",)),
    Field("modified", timestamp, ("ContactLastModified",)),
)
"""Every field a contact row may carry, in export order."""

_BY_NAME = {fold_name(name): field for field in FIELDS for name in (field.column, *field.names)}
DERIVED_FIELDS = frozenset({"id", "created", "modified"})
"""Fields a file may carry but a command may not set: the store keeps them."""


def find_field(name: str) -> Field | None:
    """The field ``name`` means, in any of its spellings."""
    return _BY_NAME.get(fold_name(name))


def parse_assignments(assignments: list[str], custom_names: set[str]
                      ) -> tuple[dict[str, Any], dict[str, str | None]]:
    """``["email=a@b.cz", "Region=South"]`` → contact fields and custom field values.

    Custom fields are matched by name (any case) among ``custom_names``; anything else is
    refused (StoreError) with the reason.
    """
    fields: dict[str, Any] = {}
    custom: dict[str, str | None] = {}
    folded_custom = {name.lower(): name for name in custom_names}
    for assignment in assignments:
        name, equals, raw = assignment.partition("=")
        if not equals or not name.strip():
            raise StoreError(f"'{assignment}' is not FIELD=VALUE")
        field = find_field(name.strip())
        if field is not None and field.column in DERIVED_FIELDS:
            raise StoreError(f"the {field.column} of a contact is kept by the store, "
                             "not set by hand")
        if field is not None:
            fields[field.column] = _checked(field, raw)
        elif name.strip().lower() in folded_custom:
            custom[folded_custom[name.strip().lower()]] = _checked(Field(name, text), raw)
        else:
            raise StoreError(f"unknown contact field '{name.strip()}'")
    return fields, custom


def _checked(field: Field, raw: str) -> Any:
    try:
        return field.value(raw)
    except ValueError as error:
        raise StoreError(f"{field.column.replace('_', ' ')}: {error}") from None
