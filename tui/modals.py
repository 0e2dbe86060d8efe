"""Modal dialogs: confirmations answered with y / n / escape, a typed confirmation for
destructive "all" actions, a choice between named options, and the error and help panels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; ``y`` confirms, ``n`` and ``escape`` cancel."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    value: str
    variant: str = "default"


class ChoiceModal(ModalScreen[str | None]):
    """A question with several answers, each on its own key; ``escape`` cancels (None)."""

    DEFAULT_CSS = "ChoiceModal .buttons Button { min-width: 0; }"

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="choice.cancel")]

    def __init__(self, question: str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self.question, self.choices = question, tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            with Horizontal(classes="buttons"):
                # Compact: three framed buttons do not fit a 60-column terminal.
                for choice in self.choices:
                    yield Button(f"{choice.label} ({choice.key})", variant=choice.variant,
                                 id=f"choice-{choice.value}", compact=True)
                yield Button("Cancel (esc)", id="choice-cancel", compact=True)

    def on_mount(self) -> None:
        for choice in self.choices:
            self._bindings.bind(choice.key, f"pick('{choice.value}')", choice.label)
        self.query_one("#choice-cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        value = (event.button.id or "").removeprefix("choice-")
        self.dismiss(None if value == "cancel" else value)

    def action_pick(self, value: str) -> None:
        self.dismiss(value)


class TypedConfirmModal(ModalScreen[bool]):
    """Destructive "all" actions: the admin types the group's code name to go ahead."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="typed.cancel")]

    def __init__(self, question: str, expected: str) -> None:
        super().__init__()
        self.question, self.expected = question, expected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            yield Label(Text.assemble("Type ", (self.expected, "bold"),
                                      " and press enter; escape cancels."))
            yield Input(placeholder=self.expected, id="typed")
            yield Static("", id="typed-error", classes="error")

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.expected:
            self.dismiss(True)
        else:
            self.query_one("#typed-error", Static).update(
                f"That is not '{self.expected}'. Nothing was removed.")


class PromptModal(ModalScreen[str | None]):
    """One line of text (a file name); ``enter`` answers, ``escape`` cancels (None)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt")
            yield Label("enter goes ahead; escape cancels.")

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class ErrorModal(ModalScreen[None]):
    """Something went wrong in the background (or, with ``error=False``, a report such as
    an import's); the app keeps running."""

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Close", id="error.close")]

    def __init__(self, title: str, message: str, *, error: bool = True) -> None:
        super().__init__()
        self.title_text, self.message, self.is_error = title, message, error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog" if self.is_error else "dialog"):
            yield Static(self.title_text, classes="question")
            with VerticalScroll(classes="message"):
                yield Static(self.message, markup=False)
            yield Button("Close (enter)", id="close")

    @on(Button.Pressed)
    def _close(self) -> None:
        self.dismiss(None)


class HelpModal(ModalScreen[None]):
    """The keys of the screen underneath: what ``?`` shows."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")]

    def __init__(self, title: str, keys: Sequence[tuple[str, str]], *, palette: bool = True
                 ) -> None:
        """``palette``: whether ctrl+p reaches the screen (it does not reach a modal's)."""
        super().__init__()
        self.title_text, self.keys, self.palette = title, tuple(keys), palette

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.keys), default=4)
        lines = Text("\n").join(Text.assemble((f"{key:>{width}}", "bold"), f"  {text}")
                                for key, text in self.keys)
        with Vertical(classes="dialog help-dialog"):
            yield Static(f"Keys — {self.title_text}", classes="question", markup=False)
            with VerticalScroll(classes="message"):
                yield Static(lines if self.keys else "No keys here.")
            palette = "ctrl+p lists these actions too. " if self.palette else ""
            yield Static(f"{palette}escape closes.", classes="hint", id="help-hint")
