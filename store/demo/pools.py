"""Weighted values precomputed for the cheapest random draw Python has."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

# Pool sizes, as bits of one draw: activity templates, times of day, activity counts.
TEMPLATE_BITS = 16
TIME_BITS = 14
COUNT_BITS = 12


def pool(rng: random.Random, weighted: Sequence[tuple[object, float]], bits: int) -> list:
    """``2**bits`` values drawn by weight: picking ``pool[getrandbits(bits)]`` is then the
    cheapest weighted choice Python has."""
    values = [v for v, _ in weighted]
    cum = list(itertools.accumulate(w for _, w in weighted))
    return rng.choices(values, cum_weights=cum, k=1 << bits)
