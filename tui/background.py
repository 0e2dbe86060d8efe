"""Run a store call off the main thread and hand its result back on it.

Screens never wait on the database: they call :func:`in_background` with the store function
and a callback. The call runs in a thread worker; the callback runs on the main thread (it may
touch widgets). A :class:`~store.errors.StoreError` becomes a notification and changes nothing
on screen; anything else — in the call or in the callback — reaches the App's error modal
(Textual tells only the worker's own node that a worker failed, so it is reported here).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from store.errors import StoreError

T = TypeVar("T")


def in_background(node: DOMNode, call: Callable[[], T], done: Callable[[T], Any] | None = None,
                  *, description: str, group: str = "store", exclusive: bool = False
                  ) -> Worker[None]:
    app = node.app

    def work() -> None:
        try:
            result = call()
            if done is not None:
                app.call_from_thread(done, result)
        except StoreError as error:
            app.call_from_thread(app.notify, str(error), title=description, severity="error",
                                 timeout=8)
        except Exception as error:
            app.call_from_thread(app.show_error, description, error)

    return node.run_worker(partial(work), thread=True, group=group, exclusive=exclusive,
                           exit_on_error=False, description=description)
