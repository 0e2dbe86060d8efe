"""Rebuilds started from the TUI: background calls (:func:`tui.background.in_background`)
owned by the App, so a rebuild goes on when the admin leaves the editor, with progress and
results sent back as messages.

Rebuild threads never touch widgets: they post :class:`RebuildProgress` (coalesced) and
:class:`RebuildFinished`; the App keeps the latest progress and tells the current screen.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message

from store import groups
from store.db.database import describe_error
from store.errors import StoreError
from tui.background import in_background

STOP_SECONDS = 3.0  # a cancelled rebuild stops within 0.1 s; this is for a slow disk or server

if TYPE_CHECKING:
    from textual.app import App

    from store.engine.rebuild import CancelToken, RebuildResult


class RebuildProgress(Message):
    """How far a rebuild of this process got (0..1); newer ones replace queued ones."""

    def __init__(self, group_id: int, fraction: float) -> None:
        super().__init__()
        self.group_id, self.fraction = group_id, fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RebuildProgress) and message.group_id == self.group_id


@dataclass
class RebuildOutcome:
    group_id: int
    name: str
    result: RebuildResult | None = None
    error: str | None = None
    cancelled: bool = False


class RebuildFinished(Message):
    def __init__(self, outcome: RebuildOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class RebuildController:
    """Starts, tracks and cancels this process's rebuilds, one per group."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._tokens: dict[int, CancelToken] = {}
        self._done: dict[int, threading.Event] = {}  # set when a worker has let go
        self.progress: dict[int, float] = {}

    def running(self, group_id: int) -> bool:
        return group_id in self._tokens

    def any_running(self) -> bool:
        return bool(self._tokens)

    def start(self, group_id: int) -> None:
        if group_id in self._tokens:
            self.app.notify("This group is already being rebuilt.", severity="warning")
            return
        from store.engine.rebuild import (
            CancelToken,  # the rebuild engine loads on the first rebuild
        )

        token = CancelToken()
        self._tokens[group_id] = token
        self._done[group_id] = threading.Event()
        self.progress[group_id] = 0.0
        in_background(self.app, partial(self._run, group_id, token),
                      description="Rebuilding a contact group", group="rebuild")

    def cancel(self, group_id: int | None = None) -> bool:
        """Cancel one rebuild (or every rebuild); True if there was one to cancel."""
        targets = [group_id] if group_id is not None else list(self._tokens)
        cancelled = False
        for target in targets:
            token = self._tokens.get(target)
            if token is not None:
                token.cancel()
                cancelled = True
        return cancelled

    def stop_all(self, timeout: float = STOP_SECONDS) -> None:
        """Cancel every rebuild and wait (up to ``timeout``) until each has put its group's
        status back: the app is exiting (quit, SIGTERM, a dropped SSH connection), and a
        worker thread left running would keep the process alive until its rebuild ended."""
        self.cancel()
        deadline = time.monotonic() + timeout
        for done in list(self._done.values()):
            done.wait(max(0.0, deadline - time.monotonic()))

    def finished(self, group_id: int) -> None:
        self._tokens.pop(group_id, None)
        self._done.pop(group_id, None)
        self.progress.pop(group_id, None)

    def _run(self, group_id: int, token: CancelToken) -> None:
        """Runs in a worker thread."""
        from store.engine import rebuild

        outcome = RebuildOutcome(group_id, f"group #{group_id}")
        try:
            group = groups.read_group(group_id)
            outcome.name = group.display_name
            outcome.result = rebuild.rebuild_group(
                group, cancel=token,
                progress=lambda fraction: self.app.post_message(
                    RebuildProgress(group_id, fraction)))
        except rebuild.RebuildCancelled:
            outcome.cancelled = True
        except StoreError as error:
            outcome.error = str(error)
        except Exception as error:
            outcome.error = describe_error(error)  # a full disk, a lost server
            if outcome.error is None:
                raise
        finally:
            done = self._done.get(group_id)
            if done is not None:
                done.set()
            self.app.post_message(RebuildFinished(outcome))
