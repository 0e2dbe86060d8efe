"""Keys typed ahead of the screen: kept in order until the screen can take them.

An admin types ``n`` and the new group's name at once, or ``enter`` and ``]``. Textual
forwards each key to the widget focused when it arrives and looks its binding up only when
it comes back unhandled, on whatever screen is current by then: the name arrives at the
groups list, comes back after the editor was pushed, finds no field focused there yet, and
is dropped. So the app keeps such keys here:

* a key that arrives while the current screen is not ready (nothing focused yet since it
  was pushed, or the screen or its focused widget says so with ``ready_for_keys()``), or
  while earlier keys are still held, waits;
* a key that comes back unhandled from a screen that is no longer current waits too;
* once the screen is ready, the waiting keys are delivered again, oldest first, as if
  typed now.

A key for a list whose highlighted row is still loading (``space`` or ``d`` just after
``down``) waits the same way, until the row is there. A screen that never becomes ready
cannot swallow keys for good: after :data:`HOLD_SECONDS` they are delivered to whatever is
focused, as they would have been.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Awaitable, Callable
from time import monotonic
from weakref import WeakSet

from textual import events
from textual.app import App, ScreenStackError
from textual.screen import Screen
from textual.timer import Timer

HOLD_SECONDS = 2.0
CHECK_SECONDS = 0.02
REMEMBERED = 128
"""Keys in flight whose screen is remembered (a key a field consumes never comes back)."""


def _agrees(node: object) -> bool:
    ready = getattr(node, "ready_for_keys", None)
    return ready is None or bool(ready())


class TypeAhead:
    """The app's held keys; ``deliver`` sends a key on its normal way (bindings, then the
    focused widget)."""

    def __init__(self, app: App, deliver: Callable[[events.Key], Awaitable[None]]) -> None:
        self._app, self._deliver = app, deliver
        # (when typed, arrival order, when held, the key), oldest typed first
        self._held: list[tuple[float, int, float, events.Key]] = []
        self._sent_from: dict[int, Screen | None] = {}
        self._opened: WeakSet[Screen] = WeakSet()
        self._timer: Timer | None = None
        self._order = 0

    def _ready(self, screen: Screen | None) -> bool:
        """Whether keys can go to ``screen`` now: it has focused something since it was
        pushed, and the screen and its focused widget agree through their
        ``ready_for_keys()``, if they have one (a list whose highlighted row is still
        loading does not). Focus lost later (a tab switch hides the focused widget) does
        not make an opened screen wait again."""
        if screen is None or not screen.is_mounted:
            return False
        focused = screen.focused
        if screen not in self._opened:
            if focused is None or not _agrees(screen):
                return False
            self._opened.add(screen)
        return focused is None or _agrees(focused)

    def _screen(self) -> Screen | None:
        """The current screen; None while the app shuts down."""
        try:
            return self._app.screen
        except ScreenStackError:
            return None

    async def arrived(self, event: events.Key) -> bool:
        """A key from the terminal: True when it is held, else it goes on now."""
        if self._held or not self._ready(self._screen()):
            self._hold(event)
            return True
        self._remember(event)
        return False

    def came_back(self, event: events.Key) -> bool:
        """A key no widget handled, about to be looked up in the current screen's bindings:
        True (held) when it was sent to a screen that is no longer current, or that is not
        ready, because then it was typed for what comes next."""
        sent_from = self._sent_from.pop(id(event), None)
        if sent_from is None:
            return False
        if sent_from is self._screen() and self._ready(sent_from):
            return False
        self._hold(event)
        return True

    def _remember(self, event: events.Key) -> None:
        self._sent_from[id(event)] = self._screen()
        while len(self._sent_from) > REMEMBERED:
            del self._sent_from[next(iter(self._sent_from))]

    def _hold(self, event: events.Key) -> None:
        self._order += 1
        insort(self._held, (event.time, self._order, monotonic(), event),
               key=lambda held: held[:2])
        if self._timer is None:
            self._timer = self._app.set_timer(CHECK_SECONDS, self._release)

    async def _release(self) -> None:
        """Deliver the held keys in the order typed while the screen is ready (or they
        have waited too long); check again shortly while some remain."""
        self._timer = None
        while self._held:
            _, _, held_at, event = self._held[0]
            screen = self._screen()
            if screen is None:
                self._held.clear()  # the app is closing
                break
            if not self._ready(screen) and monotonic() - held_at < HOLD_SECONDS:
                break
            self._held.pop(0)
            again = events.Key(event.key, event.character)
            again.time = event.time
            again.set_sender(self._app)
            self._remember(again)
            await self._deliver(again)
        if self._held and self._timer is None:
            self._timer = self._app.set_timer(CHECK_SECONDS, self._release)
