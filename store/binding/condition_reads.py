"""What each group's condition reads, as stored beside it at the save.

The group graph (who reads whom), re-evaluation (which groups a contact's change can touch)
and the flagging of readers after a bulk change all need only this: reading it from the
group row costs no parse, where checking every condition again cost one each time.
"""

from __future__ import annotations

from functools import lru_cache

from conditions.reads import Dependencies

NOTHING = Dependencies()


def encode(reads: Dependencies | None) -> str | None:
    """The column's value for a condition that reads ``reads`` (None: a static group)."""
    return None if reads is None else reads.to_json()


@lru_cache(maxsize=1024)
def decode(stored: str | None) -> Dependencies:
    """What the column says; nothing for a static group or for a condition that did not check
    when it was stored (it reads nothing until it is fixed, and its rebuild says why)."""
    if not stored:
        return NOTHING
    try:
        return Dependencies.from_json(stored)
    except (ValueError, TypeError):
        return NOTHING
