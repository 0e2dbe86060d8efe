"""Nesting limits, and the recursion headroom every pass needs to honour them.

Parser, checker, evaluator, compiler and explain all recurse over the tree. A condition may
nest MAX_DEPTH levels; pyparsing alone spends about 25 Python frames per bracket level, more
than Python's default limit allows at that depth. Python-to-Python calls use no C stack on
3.11+, so the passes raise the limit while they run. The raise is reference-counted so
concurrent passes (rebuild workers, the UI) never restore it under each other.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_DEPTH = 256
"""Deepest syntax tree (and bracket nesting) a condition may have."""

_FRAMES_PER_LEVEL = 40  # measured about 25 in pyparsing, with margin
_lock = threading.Lock()
_users = 0
_saved_limit = 0


@contextmanager
def recursion_headroom() -> Iterator[None]:
    """Run a pass with enough recursion limit for MAX_DEPTH levels of nesting."""
    global _users, _saved_limit
    with _lock:
        if _users == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(_saved_limit + MAX_DEPTH * _FRAMES_PER_LEVEL)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                sys.setrecursionlimit(_saved_limit)
