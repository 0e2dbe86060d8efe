"""The K# editor never calls "Valid" a condition the database cannot run (issue 13 item 6):
it checks what saving checks, the compiled query included."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static, TextArea

from tests.store.helpers import make_contacts
from tests.tui.harness import SIZE, until
from tui.widgets.condition_editor import ConditionEditor

# Valid K#, but 60 nested concatenations nest SQLite's parser past its limit.
TOO_DEEP = "(Contact.ContactCity + " * 60 + '"x"' + ")" * 60 + ' == "a"'


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ConditionEditor("", id="editor")

    def status(self) -> str:
        return str(self.query_one("#k-status", Static).content)


async def test_a_condition_sqlite_cannot_run_is_not_valid(sqlite_db):
    make_contacts(2)
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#k-source", TextArea).text = TOO_DEEP
        await until(pilot, lambda: "line 1" in app.status() or "Valid" in app.status())
        assert "Valid" not in app.status()
        assert "too large for the database to run" in app.status()
        app.query_one("#k-source", TextArea).text = "(Contact.ContactCity + \"x\") == \"a\""
        await until(pilot, lambda: "contacts match" in app.status())
        assert app.status() == "Valid condition · 0 contacts match"
