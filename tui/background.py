"""Run a store call off the main thread and hand its result back on it: the one way the TUI
runs background work (``tests/test_architecture.py`` keeps Textual's ``@work``,
``run_worker`` and ``call_from_thread`` inside this module).

Screens never wait on the database: they call :func:`in_background` with the store function
and a callback. The call runs in a thread worker; the callback runs on the main thread (it may
touch widgets). A :class:`~store.errors.StoreError` becomes a notification and changes nothing
on screen; anything else — in the call or in the callback — reaches the App's error modal
(Textual tells only the worker's own node that a worker failed, so it is reported here).
A caller with its own way of showing a failure (a status line) passes ``failed``.

A call that replaces the previous one — a newer filter, a newer keystroke — is made
``exclusive`` within its group: the older one is cancelled and its result or failure never
reaches the screen. Its thread runs on until its call returns; a call with a costly second
step can skip it once :func:`stop_if_superseded` says it is not wanted any more. Progress
that cannot wait for the result (a rebuild's) is posted from the call as a message.

Screens that follow the store as it changes (another admin, the scheduler) re-read it with a
:class:`Poll`, whose failures are reported the same way, once per outage.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from store.db.database import describe_error
from store.errors import StoreError

if TYPE_CHECKING:
    from tui.app import ContactGroupsApp

T = TypeVar("T")


class Superseded(Exception):
    """Raised by :func:`stop_if_superseded` to end a call whose result nobody wants."""


def stop_if_superseded() -> None:
    """In a call :func:`in_background` runs: stop it (raise :class:`Superseded`, which ends
    it quietly) if it was cancelled — a newer exclusive call of its group replaced it, or its
    node went away — so that it skips the costly rest of its work."""
    if get_current_worker().is_cancelled:
        raise Superseded


def report_failure(app: ContactGroupsApp, description: str, error: BaseException) -> None:
    """Tell the admin a background call failed: a StoreError (a refusal the store put in
    words) as a notification, anything else in the App's error modal."""
    sentence = describe_error(error)  # a database error a user can cause: a full disk
    if isinstance(error, StoreError) or sentence is not None:
        app.notify(sentence or str(error), title=description, severity="error", timeout=8)
    else:
        app.show_error(description, error)


def in_background(node: DOMNode, call: Callable[[], T], done: Callable[[T], Any] | None = None,
                  *, description: str, group: str = "store", exclusive: bool = False,
                  failed: Callable[[BaseException], Any] | None = None) -> Worker[None]:
    """Run ``call`` in a thread and ``done`` with its result on the main thread.

    A failure of either goes to ``failed`` on the main thread, by default
    :func:`report_failure`. An ``exclusive`` call cancels the one of its ``group`` (on this
    node) still running, and once cancelled hands on neither result nor failure: the check is
    made on the main thread, where cancelling happens, so a superseded result never lands
    after its replacement started.
    """
    app = node.app
    on_failure = failed or partial(report_failure, app, description)

    def work() -> None:
        worker = get_current_worker()

        def settle(callback: Callable[[Any], Any], value: Any) -> None:
            if not (exclusive and worker.is_cancelled):
                callback(value)

        try:
            result = call()
            if done is not None:
                app.call_from_thread(settle, done, result)
        except Superseded:
            pass
        except Exception as error:
            app.call_from_thread(settle, on_failure, error)

    return node.run_worker(partial(work), thread=True, group=group, exclusive=exclusive,
                           exit_on_error=False, description=description)


class Poll(Generic[T]):
    """A store read repeated every ``seconds`` while ``node`` is mounted; each result goes to
    ``done`` on the main thread.

    One read runs at a time, so an old result never lands after a newer one (a read slower
    than the interval skips ticks instead of piling up threads). A failure is reported as
    :func:`in_background` reports one, but only the first of a run: a database that stays
    unreachable fails every poll, and a modal or a notification per second would bury the
    screen. The next successful read ends the run, so a later failure is reported again.
    """

    def __init__(self, node: DOMNode, read: Callable[[], T], done: Callable[[T], Any], *,
                 description: str, seconds: float) -> None:
        self._node, self._read, self._done = node, read, done
        self._description, self._seconds = description, seconds
        self._reading = False
        self._again = False
        self._failing = False

    def start(self) -> None:
        """Read now and then every ``seconds``."""
        self.now()
        self._node.set_interval(self._seconds, self._tick)

    def now(self) -> None:
        """Read now, after a change the screen made itself: at once, or when the read under
        way ends (it may have started before the change)."""
        if self._reading:
            self._again = True
        else:
            self._begin()

    def _tick(self) -> None:
        if not self._reading:
            self._begin()

    def _begin(self) -> None:
        self._reading = True
        in_background(self._node, self._read, self._succeeded, description=self._description,
                      group=f"poll: {self._description}", failed=self._failed)

    def _succeeded(self, result: T) -> None:
        self._failing = False
        self._done(result)  # if this raises, _failed reports it and ends the read
        self._ended()

    def _failed(self, error: BaseException) -> None:
        if not self._failing:
            self._failing = True
            report_failure(self._node.app, self._description, error)
        self._ended()

    def _ended(self) -> None:
        self._reading = False
        if self._again:
            self._again = False
            self._begin()
