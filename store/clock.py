"""The clock every stored timestamp is read from: naive UTC.

Apart from the models so that the terminal UI, which may not import them, compares with the
same "now" the store writes.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current UTC time, naive, as every timestamp column stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """``moment`` as naive UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
