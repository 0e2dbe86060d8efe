"""The contact-groups terminal application (SPEC §7).

The App owns what outlives a screen: rebuild workers and their progress, the command
palette's provider, and the handling of worker errors (an error modal; the app keeps
running). Screens live in :mod:`tui.screens`; none of them runs a query of its own.
"""

from __future__ import annotations

import asyncio
import signal

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.worker import Worker, WorkerState

from tui.commands import ScreenActions, screen_actions
from tui.modals import ErrorModal, HelpModal
from tui.rebuilds import RebuildController, RebuildFinished, RebuildProgress


class ContactGroupsApp(App[None]):
    TITLE = "Contact groups"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenActions}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rebuilds = RebuildController(self)

    def on_mount(self) -> None:
        from tui.screens.groups import GroupsScreen

        if not self.is_headless:
            self._exit_on_signals()
        self.push_screen(GroupsScreen())

    def _exit_on_signals(self) -> None:
        """SIGTERM (a service manager) and SIGHUP (the SSH connection dropped) end the app
        as quitting does, so running rebuilds are cancelled and their groups' status put
        back, where the default action would kill the process on the spot."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self.exit)

    def on_unmount(self) -> None:
        self.rebuilds.stop_all()

    def action_help(self) -> None:
        screen = self.screen
        keys = [(action.key, action.title) for action in screen_actions(screen)]
        title = getattr(screen, "HELP_TITLE", screen.title or "Screen")
        self.push_screen(HelpModal(title, keys, palette=not isinstance(screen, ModalScreen)))

    @on(RebuildProgress)
    def _rebuild_progress(self, message: RebuildProgress) -> None:
        self.rebuilds.progress[message.group_id] = message.fraction
        self._tell_screen()

    @on(RebuildFinished)
    def _rebuild_finished(self, message: RebuildFinished) -> None:
        outcome = message.outcome
        self.rebuilds.finished(outcome.group_id)
        if outcome.result is not None:
            r = outcome.result
            self.notify(f"+{r.added:,} added, -{r.removed:,} removed, {r.members:,} members, "
                        f"{r.seconds:.2f} s", title=f"Rebuilt '{outcome.name}'")
        elif outcome.cancelled:
            self.notify("Members are unchanged.", title=f"Rebuild of '{outcome.name}' cancelled",
                        severity="warning")
        elif outcome.error is not None:
            self.notify(outcome.error, title=f"Rebuild of '{outcome.name}' failed",
                        severity="error", timeout=10)
        self._tell_screen()

    def _tell_screen(self) -> None:
        refresh = getattr(self.screen, "rebuild_state_changed", None)
        if refresh is not None:
            refresh()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.show_error(event.worker.description or event.worker.name, event.worker.error)

    def show_error(self, what: str, error: BaseException | None) -> None:
        """A failure in the background: shown in a modal, and the app keeps running.

        Workers report here themselves (see :mod:`tui.background`): Textual tells only a
        worker's own node that it failed."""
        self.push_screen(ErrorModal(
            "Something went wrong in the background",
            f"{what}: {type(error).__name__}: {error}\n\n"
            "Nothing else was affected; you can go on."))


def run_app() -> None:
    ContactGroupsApp().run()
