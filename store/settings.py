"""Installation settings; for now the licence edition (SPEC §3)."""

from store.db.models import Setting
from store.errors import EditionError, StoreError

EDITIONS = ("ems", "cms")
CONDITION_FEATURE = "Condition-based contact groups"


def get_setting(key: str, default: str) -> str:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def edition() -> str:
    """``ems`` (everything) or ``cms`` (manual membership only)."""
    return get_setting("edition", "ems")


def set_setting(key: str, value: str) -> None:
    Setting.insert(key=key, value=value).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: value}).execute()


def set_edition(value: str) -> None:
    if value not in EDITIONS:
        raise StoreError(f"unknown edition '{value}' (choose ems or cms)")
    set_setting("edition", value)


def require_ems(feature: str) -> None:
    """Refuse ``feature`` (e.g. "Accounts in contact groups") outside the EMS edition."""
    if edition() != "ems":
        raise EditionError(
            f"{feature} need the EMS edition; this installation runs the CMS edition "
            "(manual membership only)"
        )
