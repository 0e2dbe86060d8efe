"""What the General tab edits and the store calls behind it, without widgets.

The tab keeps the admin's edits in a :class:`GeneralForm` and compares it with the form of the
group as last loaded: that comparison, not a flag, says whether there are unsaved changes, so
the editor's once-a-second refresh can never mark the tab dirty or lose an edit. The functions
below run in thread workers (they reach the database) and return outcomes instead of raising,
so the tab can put each refusal next to the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass

from conditions.errors import ConditionError
from conditions.rules import Group
from conditions.rulesxml import from_stored
from store import groups
from store.binding.condition_service import InvalidCondition, describe, prepare
from store.errors import EditionError, StoreError
from store.rows import GroupRow
from store.settings import require_ems

CONDITION_FEATURE = "Condition-based contact groups"


@dataclass(frozen=True)
class GeneralForm:
    """The General tab's fields; the condition is kept while the switch is off so that
    switching back on restores it, but only :attr:`condition_to_save` is stored."""

    display_name: str = ""
    code_name: str = ""
    description: str = ""
    condition_based: bool = False
    condition: str | None = None
    schedule_enabled: bool = False
    schedule_time: str = ""

    @classmethod
    def of(cls, group: GroupRow) -> GeneralForm:
        return cls(group.display_name, group.code_name, group.description or "",
                   group.is_condition_based, group.condition or None,
                   bool(group.schedule_enabled), group.schedule_time or "")

    @property
    def condition_to_save(self) -> str | None:
        """Kentico's rule: no switch or an empty condition makes a static group."""
        if self.condition_based and self.condition and self.condition.strip():
            return self.condition
        return None

    @property
    def schedule_to_save(self) -> bool:
        """A static group is never rebuilt on a schedule (Kentico turns it off too)."""
        return self.schedule_enabled and self.condition_to_save is not None

    def differs_from(self, saved: GeneralForm) -> bool:
        """Whether saving would change anything an admin can see."""
        def key(form: GeneralForm) -> tuple:
            return (form.display_name, form.code_name, form.description, form.condition_based,
                    form.condition_to_save, form.schedule_enabled,
                    form.schedule_time if form.schedule_enabled else "")

        return key(self) != key(saved)


@dataclass(frozen=True)
class SaveOutcome:
    """The group as stored after the save, or the refusal (and then nothing was saved)."""

    group: GroupRow | None
    error: StoreError | None = None


def save_form(group_id: int | None, form: GeneralForm, saved: GeneralForm) -> SaveOutcome:
    """Create or update the group with its schedule in one store call (one transaction).

    An existing group is re-read in it, so the store's refusal while it is being rebuilt
    judges its current status, not the one shown a second ago.
    """
    condition = form.condition_to_save
    if group_id is None:
        code_name = form.code_name.strip() or None
    else:
        code_name = form.code_name if form.code_name != saved.code_name else None
    try:
        group = groups.save_group(
            group_id, display_name=form.display_name, code_name=code_name,
            description=form.description, condition=condition,
            clear_condition=condition is None and saved.condition_to_save is not None,
            schedule=(form.schedule_to_save if form.schedule_to_save or saved.schedule_enabled
                      else None),
            schedule_time=form.schedule_time or None)
    except StoreError as error:
        return SaveOutcome(None, error)
    return SaveOutcome(group)


@dataclass(frozen=True)
class ConditionInfo:
    """What the tab shows of a condition: its sentence, why it is invalid, why it is slow,
    and what an admin should know about how it reads (``condition_service.description``).

    Made in a worker when the condition's text changes, so that the tab's once-a-second
    refresh shows it without parsing anything on the UI thread.
    """

    text: str
    display: str = ""
    error: ConditionError | None = None
    slow: str | None = None
    warnings: tuple[str, ...] = ()


def inspect_condition(text: str) -> ConditionInfo:
    try:
        saved = prepare(text)
        shown = saved.description()
        return ConditionInfo(text, shown.text, slow=saved.slow_reason, warnings=shown.warnings)
    except InvalidCondition as invalid:
        return ConditionInfo(text, _display(text), error=invalid.error)


def _display(text: str) -> str:
    """The sentence of a condition that does not check, or its text if it does not parse."""
    try:
        return describe(text)
    except InvalidCondition:
        return text


@dataclass(frozen=True)
class DesignerOpening:
    """The rule designer's tree of a condition (None: hand-written K#), or why the designer
    cannot read it."""

    tree: Group | None
    problem: str | None = None


def designer_tree(text: str) -> DesignerOpening:
    """Read in a worker: the tab parses nothing on the UI thread."""
    try:
        return DesignerOpening(from_stored(text))
    except ConditionError as error:
        return DesignerOpening(None, error.message)


def code_name_problem(code_name: str, exclude_id: int | None) -> str | None:
    """Why the code name cannot be used (taken, bad characters), or None."""
    try:
        groups.validate_code_name(code_name, exclude_id=exclude_id)
    except StoreError as error:
        return str(error)
    return None


def edition_refusal() -> str | None:
    """Why this installation cannot have condition-based groups (CMS edition), or None."""
    try:
        require_ems(CONDITION_FEATURE)
    except EditionError as error:
        return str(error)
    return None
