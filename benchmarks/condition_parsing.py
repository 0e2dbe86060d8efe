"""How long the condition language takes on its worst inputs: a 10 kB condition, 200 levels
of nesting, and nesting so deep it is refused. Target: each within a second.

    python benchmarks/condition_parsing.py [--runs 5]

Baseline in the same run: parsing a one-line condition, so the figures show the cost of
size and depth rather than of Python starting up.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

from conditions import CONTACT_SCHEMA, ConditionError, check, default_registry, parse_condition


def _median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(ConditionError):  # the deepest input is refused: expected
            work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    registry = default_registry()
    ten_kb = " || ".join(f'Contact.ContactCity == "city {i}"' for i in range(330))
    nested = "Contact.ContactAge > 1"
    for _ in range(200):
        nested = f"!({nested})"
    cases = {
        "one line (baseline)": 'Contact.ContactCity == "Prague"',
        f"10 kB condition ({len(ten_kb):,} chars)": ten_kb,
        "200 nesting levels": nested,
        "5,000 '(' (refused)": "(" * 5000 + "a" + ")" * 5000,
    }
    baseline = None
    for name, text in cases.items():
        parse = _median_seconds(lambda text=text: parse_condition(text), runs)
        full = _median_seconds(
            lambda text=text: check(text, CONTACT_SCHEMA, registry), runs)
        baseline = baseline or full
        print(f"{name:<32} parse {parse * 1000:8.1f} ms   parse+check {full * 1000:8.1f} ms"
              f"   {full / baseline:7.1f}x baseline   target < 1000 ms")


if __name__ == "__main__":
    main()
