"""The raw K# editor: a TextArea that checks the condition as the admin types (SPEC §7).

Under the text it shows either where the condition is wrong (``line L, column C: message``,
the source line and a caret) or how many live contacts match now. Checking, then counting,
run in the background (:func:`tui.background.in_background`) after a short pause in typing,
so a slow count never freezes the screen; each keystroke starts a new generation and results
of older ones are dropped, because a superseded count keeps running until its query returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Static, TextArea

from conditions import CheckedCondition
from conditions.errors import ConditionError
from store.binding.condition_service import InvalidCondition, check_runnable, count_matching
from store.errors import StoreError
from tui.background import in_background, report_failure

DEBOUNCE_SECONDS = 0.3
CARET_WIDTH = 70
SOURCE_LINES, MIN_SOURCE_LINES = 8, 3
OTHER_LINES = 16
"""Lines the K# dialog needs besides the text box: frame, title, check, buttons."""
CHECK_GROUP = "condition-check"
"""Checks and counts share one group: a newer check cancels an older count."""


def caret_excerpt(error: ConditionError, width: int = CARET_WIDTH) -> str:
    """The error's source line and a caret under its column, cut to ``width`` characters
    (plus "…" marks) around the column so that a long one-line condition does not wrap and
    push the caret off its character."""
    line = error.source_line.replace("\t", " ")
    index = max(0, error.column - 1)
    if len(line) <= width:
        return f"{line}\n{' ' * index}^"
    start = max(0, min(index - width // 2, len(line) - width))
    end = min(len(line), start + width)
    prefix = "…" if start else ""
    suffix = "…" if end < len(line) else ""
    return f"{prefix}{line[start:end]}{suffix}\n{' ' * (len(prefix) + index - start)}^"


def error_text(error: ConditionError, width: int = CARET_WIDTH) -> Text:
    """``line L, column C: message`` with the caret excerpt below it, never read as markup."""
    return Text.assemble((str(error), "bold red"), "\n", caret_excerpt(error, width))


class ConditionNote(Static):
    """A condition's error with its caret excerpt cut to this widget's own width, redone
    when the terminal is resized (a wrapped excerpt pushes the caret off its character),
    or any other text."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._error: ConditionError | None = None

    def show_error(self, error: ConditionError) -> None:
        self._error = error
        self._show_error()

    def show_text(self, text: str | Text) -> None:
        self._error = None
        self.update(text)

    def on_resize(self, _event: events.Resize) -> None:
        if self._error is not None:
            self._show_error()

    def _show_error(self) -> None:
        assert self._error is not None
        width = self.content_size.width
        # The excerpt is cut to ``width`` characters plus a "…" at either end.
        self.update(error_text(self._error, max(width - 2, 10) if width else CARET_WIDTH))


@dataclass(frozen=True)
class CheckOutcome:
    """What one check found: an error, a count, or that counting is under way."""

    error: ConditionError | None = None
    count: int | None = None
    counting: bool = False
    failure: str | None = None
    empty: bool = False


def _checked(text: str) -> CheckedCondition | CheckOutcome:
    """Runs in a thread: the condition ready to count, or what the check found instead."""
    if not text.strip():
        return CheckOutcome(empty=True)
    try:
        return check_runnable(text)
    except InvalidCondition as invalid:
        return CheckOutcome(error=invalid.error)


class ConditionEditor(Vertical):
    """A K# TextArea with its live check underneath; ``text`` is what the admin wrote."""

    DEFAULT_CSS = """
    ConditionEditor { height: auto; }
    ConditionEditor #k-source { height: 8; }
    ConditionEditor #k-status { height: auto; max-height: 6; padding: 0 1; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = text
        self._generation = 0
        self._timer: Timer | None = None
        self.outcome: CheckOutcome | None = None

    def compose(self) -> ComposeResult:
        yield TextArea(self._initial, id="k-source", soft_wrap=True, tab_behavior="focus")
        yield ConditionNote(id="k-status")

    def on_mount(self) -> None:
        self.query_one("#k-status", ConditionNote).show_text("Checking the condition…")
        self._schedule(delay=0)

    @property
    def text(self) -> str:
        return self.query_one("#k-source", TextArea).text

    def focus_source(self) -> None:
        self.query_one("#k-source", TextArea).focus()

    @on(TextArea.Changed, "#k-source")
    def _changed(self) -> None:
        self._schedule(delay=DEBOUNCE_SECONDS)

    def _schedule(self, delay: float) -> None:
        """Check the text after ``delay`` seconds of quiet; at once when it is 0 (on
        opening), because a Textual timer of 0 seconds never fires."""
        self._generation += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        generation = self._generation
        if delay:
            self._timer = self.set_timer(delay, lambda: self._check(self.text, generation))
        else:
            self._check(self.text, generation)

    def _check(self, text: str, generation: int) -> None:
        in_background(self, partial(_checked, text), partial(self._count, generation),
                      description="Checking the condition", group=CHECK_GROUP, exclusive=True)

    def _count(self, generation: int, checked: CheckedCondition | CheckOutcome) -> None:
        """Count what passed the check; show what did not."""
        if isinstance(checked, CheckOutcome):
            self._show(generation, checked)
            return
        if generation != self._generation:
            return  # superseded by a newer keystroke: no count for it
        self._show(generation, CheckOutcome(counting=True))
        in_background(self, partial(count_matching, checked),
                      lambda count: self._show(generation, CheckOutcome(count=count)),
                      description="Counting the matching contacts", group=CHECK_GROUP,
                      exclusive=True, failed=partial(self._count_failed, generation))

    def _count_failed(self, generation: int, error: BaseException) -> None:
        """A refusal the store put in words goes under the text; anything else is a bug for
        the App's error modal."""
        if isinstance(error, StoreError):
            self._show(generation, CheckOutcome(failure=str(error)))
        else:
            report_failure(self.app, "Counting the matching contacts", error)

    def _show(self, generation: int, outcome: CheckOutcome) -> None:
        if generation != self._generation:
            return  # superseded by a newer keystroke
        self.outcome = outcome
        status = self.query_one("#k-status", ConditionNote)
        if outcome.error is not None:
            status.show_error(outcome.error)
        elif outcome.empty:
            status.show_text("Empty: saving makes the group static (no condition).")
        elif outcome.counting:
            status.show_text("Valid condition · counting…")
        elif outcome.failure is not None:
            status.show_text(Text(f"Could not count: {outcome.failure}", style="red"))
        else:
            count = outcome.count or 0
            noun = "contact matches" if count == 1 else "contacts match"
            status.show_text(Text(f"Valid condition · {count:,} {noun}", style="green"))


class ConditionEditorModal(ModalScreen[str | None]):
    """The K# editor as a dialog: Apply returns the text, escape returns None."""

    DEFAULT_CSS = """
    ConditionEditorModal > .dialog { width: 78; }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "apply", "Apply", id="kentico.apply"),
        Binding("escape", "cancel", "Cancel", id="kentico.cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Condition (K#)", classes="question")
            yield ConditionEditor(self._text, id="k-editor")
            with Horizontal(classes="buttons"):
                yield Button("Apply (f2)", variant="primary", id="k-apply", compact=True)
                yield Button("Cancel (esc)", id="k-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(ConditionEditor).focus_source()

    def on_resize(self, event: events.Resize) -> None:
        """A shorter text box on a short terminal, so the check and the buttons stay on
        screen (at 20 lines an 8-line box pushed them off)."""
        box = self.query_one("#k-source", TextArea)
        box.styles.height = max(MIN_SOURCE_LINES,
                                min(SOURCE_LINES, event.size.height - OTHER_LINES))

    @on(Button.Pressed, "#k-apply")
    def action_apply(self) -> None:
        self.dismiss(self.query_one(ConditionEditor).text)

    @on(Button.Pressed, "#k-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
