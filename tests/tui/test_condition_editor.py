"""The raw K# editor's live check: debounced, in a thread, newest keystroke wins.

The store is replaced by fakes here (a slow count must be held back at will); the General tab
tests run the real store behind the same widget."""

from __future__ import annotations

import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from conditions.errors import ConditionError
from store.binding.condition_service import InvalidCondition
from tests.tui.harness import SIZE, until, wait_for_workers
from tui.widgets import condition_editor
from tui.widgets.condition_editor import ConditionEditor


class FakeStore:
    """``check`` refuses texts containing "?"; counting "slow" waits for ``release``."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.counted: list[str] = []

    def check(self, text: str) -> str:
        if "?" in text:
            raise InvalidCondition(ConditionError.at_offset("unexpected '?'", text,
                                                            text.index("?")))
        return text

    def count(self, text: str) -> int:
        self.counted.append(text)
        if text == "slow":
            self.release.wait(5)
            return 111
        return len(text)


@pytest.fixture
def store(monkeypatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(condition_editor, "check_runnable", fake.check)
    monkeypatch.setattr(condition_editor, "count_matching", fake.count)
    yield fake
    fake.release.set()


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ConditionEditor("", id="editor")

    def on_mount(self) -> None:
        self.query_one(ConditionEditor).focus_source()

    def status(self) -> str:
        return str(self.query_one("#k-status", Static).content)


async def _typed_and_checked(app: Host, pilot, store: FakeStore, *keys: str) -> None:
    """Type ``keys`` and wait until the check, which waits for a pause in typing, asked for
    the count of the new text, and the screen has shown what it reported before that."""
    await pilot.press(*keys)
    editor = app.query_one(ConditionEditor)
    await until(pilot, lambda: store.counted[-1:] == [editor.text], "the count of the new text")
    await pilot.pause()


async def test_a_newer_keystroke_supersedes_a_slow_count(store):
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await _typed_and_checked(app, pilot, store, *"slow")
        assert app.status() == "Valid condition · counting…"  # and the screen still answers
        await _typed_and_checked(app, pilot, store, *"er")
        await until(pilot, lambda: app.status() != "Valid condition · counting…",
                    "the newer count")
        assert app.status() == "Valid condition · 6 contacts match"
        store.release.set()
        await wait_for_workers(app, pilot)
        assert app.status() == "Valid condition · 6 contacts match"  # the old count is dropped
    assert store.counted == ["slow", "slower"]


async def test_typing_waits_for_a_pause_and_errors_show_line_column_and_caret(store):
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"a ?")
        assert "line" not in app.status()  # not checked yet: still typing
        await until(pilot, lambda: "line" in app.status(), "the check after the pause")
        assert app.status().splitlines() == ["line 1, column 3: unexpected '?'", "a ?", "  ^"]
        await _typed_and_checked(app, pilot, store, "backspace", "backspace", "enter", *"b")
        await wait_for_workers(app, pilot)
        assert app.status() == "Valid condition · 3 contacts match"
