"""The contact-groups terminal application (SPEC §7).

The App owns what outlives a screen: rebuild workers and their progress, the command
palette's provider, and the handling of worker errors (an error modal; the app keeps
running). Screens live in :mod:`tui.screens`; none of them runs a query of its own.
"""

from __future__ import annotations

import asyncio
import os
import signal

from textual import events, on
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen

from tui.commands import ScreenActions, screen_actions
from tui.modals import ConfirmModal, ErrorModal, HelpModal
from tui.rebuilds import RebuildController, RebuildFinished, RebuildProgress
from tui.type_ahead import TypeAhead


class ContactGroupsApp(App[None]):
    TITLE = "Contact groups"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenActions}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        # Not a priority binding: a text field with a selection copies it first (its own
        # ctrl+c); without one the key comes here and quits, asking about unsaved edits.
        Binding("ctrl+c", "quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rebuilds = RebuildController(self)
        self._asking_to_quit = False
        self.type_ahead = TypeAhead(self, super().on_event)

    async def on_event(self, event: events.Event) -> None:
        """Keys typed ahead of a screen wait for it (see :mod:`tui.type_ahead`)."""
        if (isinstance(event, events.Key) and not event.is_forwarded
                and await self.type_ahead.arrived(event)):
            return
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        # Runs before Textual's own handler, which looks the key's binding up on the
        # current screen: a key typed for a screen that is not there yet waits instead.
        if self.type_ahead.came_back(event):
            event.prevent_default()

    def on_mount(self) -> None:
        from tui.screens.groups import GroupsScreen

        if not self.is_headless:
            self._exit_on_signals()
        self.push_screen(GroupsScreen())

    def _exit_on_signals(self) -> None:
        """SIGTERM (a service manager) ends the app as quitting does, and SIGHUP (the SSH
        connection dropped) as :meth:`_hang_up` does: running rebuilds are cancelled and
        their groups' status put back, where the default action would kill the process on
        the spot."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.exit)
        loop.add_signal_handler(signal.SIGHUP, self._hang_up)

    def _hang_up(self) -> None:
        """The terminal is gone: cancel the rebuilds (they put their groups' status back),
        then end the process. Textual's own exit restores the terminal, and writing to a
        terminal that hung up kept the process alive for over 30 s in one run of three."""
        self.rebuilds.stop_all()
        os._exit(128 + signal.SIGHUP)

    def on_unmount(self) -> None:
        self.rebuilds.stop_all()

    async def action_quit(self) -> None:
        """Quit (ctrl+c, ctrl+q, q on the groups list, the palette), but ask first when a
        screen holds unsaved edits, as leaving the group editor with escape does."""
        if not any(getattr(screen, "has_unsaved_changes", lambda: False)()
                   for screen in self.screen_stack):
            self.exit()
            return
        if self._asking_to_quit:
            return

        def answered(leave: bool | None) -> None:
            self._asking_to_quit = False
            if leave:
                self.exit()

        self._asking_to_quit = True
        self.push_screen(ConfirmModal("There are unsaved changes (the group's General tab). "
                                      "Quit without saving them?", yes="Quit", no="Stay"),
                         answered)

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

    def show_error(self, what: str, error: BaseException | None) -> None:
        """A failure in the background: shown in a modal, and the app keeps running.

        Background calls report here themselves (see :mod:`tui.background`): Textual tells only a
        worker's own node that it failed."""
        self.push_screen(ErrorModal(
            "Something went wrong in the background",
            f"{what}: {type(error).__name__}: {error}\n\n"
            "Nothing else was affected; you can go on."))


def run_app() -> None:
    ContactGroupsApp().run()
