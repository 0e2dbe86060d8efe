"""How the member table behaves on a 1,000,000-member group, next to a 1,000-member one.

    .venv/bin/python benchmarks/tui_table.py [--db sqlite:///path.db] [--members N]

Builds (or reuses) an SQLite database with a group of N members and one of 1,000, then
for each group runs the table headless at 80x24 in a fresh process and measures:

* first paint — from the table's mount until it draws its first row of data;
* page-down — 50 presses, each timed from the key's action until every row on screen is
  loaded and drawable (the next frame paints it); Pilot's own key simulation, which waits
  for the app to go idle, is left out because it costs ~100 ms by itself;
* end — ``G`` after the page-downs, until the last rows are drawable (the deepest OFFSET);
* filter — setting a filter (after its 150 ms debounce) until its first rows are drawn,
  and until its count is known;
* memory — resident set growth from before the app starts to after the presses.

Targets (SPEC §7): first paint < 0.5 s, page-down < 50 ms, memory flat in the group
size. Figures are printed, never asserted. Contacts and memberships are bulk-inserted
with raw SQL: this is a benchmark fixture, not product code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from store import audit, groups
from store.clock import utcnow
from store.db import database
from store.errors import NotFound
from tui.sources import member_source
from tui.widgets.virtual_table import FILTER_DELAY, VirtualTable

SMALL = 1_000
BATCH = 50_000
FIRST = ["Anna", "Jan", "Petra", "Tomas", "Eva", "Martin", "Lucie", "Jakub", "Zoe", "Olga"]
LAST = ["Novak", "Svoboda", "Dvorak", "Cerny", "Smith", "Jones", "Brown", "Muller"]
COUNTRIES = ["Czech Republic", "Germany", "United Kingdom", "United States", "France"]


# --- the database ----------------------------------------------------------------------


def _contact_rows(start: int, stop: int, rng: random.Random, now: str) -> list[tuple]:
    rows = []
    for i in range(start, stop):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append((i, first, last, f"{first}.{last}{i}@example.com".lower(),
                     rng.choice(COUNTRIES), 0, 0, now, now))
    return rows


def _ensure_contacts(db, count: int) -> None:
    have = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM contact").fetchone()[0]
    if have >= count:
        return
    rng, now, param = random.Random(42), utcnow().isoformat(" "), db.param
    sql = ("INSERT INTO contact (id, first_name, last_name, email, country_name, gender, "
           f"score, created, modified) VALUES ({', '.join([param] * 9)})")
    for start in range(have + 1, count + 1, BATCH):
        stop = min(start + BATCH, count + 1)
        with db.atomic():
            db.cursor().executemany(sql, _contact_rows(start, stop, rng, now))
        print(f"  contacts {stop - 1:,}/{count:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def _ensure_group(db, members: int) -> str:
    """A group holding contacts 1…members; returns its code name."""
    code = f"Bench{members}"
    try:
        group = groups.get_group(code)
    except NotFound:
        group = groups.create_group(f"Bench {members:,}", code)
    if group.member_count == members:
        return code
    param = db.param
    with db.atomic():
        db.execute_sql(f"DELETE FROM membership WHERE group_id = {param}", (group.id,))
        db.execute_sql(
            "INSERT INTO membership (group_id, contact_id, from_condition, from_account, "
            f"manual, added_at) SELECT {param}, id, 0, 0, 1, {param} FROM contact "
            f"WHERE id <= {param}", (group.id, utcnow().isoformat(" "), members))
        audit.refresh_member_count(group.id)
    return code


def prepare(url: str, members: int) -> list[str]:
    db = database.connect(url)
    print(f"preparing {database.mask_password(url)} …", file=sys.stderr)
    started = time.perf_counter()
    _ensure_contacts(db, members)
    codes = [_ensure_group(db, members), _ensure_group(db, SMALL)]
    print(f"  ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    database.close()
    return codes


# --- one measurement, in its own process -----------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class TimedTable(VirtualTable):
    """Notes when it mounted and when it first drew a row of data."""

    mounted_at = 0.0
    first_paint_at: float | None = None

    def on_mount(self) -> None:
        self.mounted_at = time.perf_counter()
        super().on_mount()

    def render_line(self, y: int):
        strip = super().render_line(y)
        if self.first_paint_at is None and y == 1 and self.cursor_row is not None:
            self.first_paint_at = time.perf_counter()
        return strip


def _screen_loaded(table: VirtualTable) -> bool:
    """Every row on screen is loaded. Cheap on purpose: a busy polling loop would hold the
    GIL against the worker thread and measure itself."""
    shown = table.visible_range
    return bool(shown) and all(table.row_at(i) is not None for i in (shown[0], shown[-1]))


async def _until(pilot, done, limit: float = 60.0) -> None:
    deadline = time.perf_counter() + limit
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the table did not load in time")
        await asyncio.sleep(0.001)


async def _measure(code: str, presses: int) -> dict[str, object]:
    from textual.app import App

    group = groups.get_group(code)
    rss_before = _rss()

    class BenchApp(App[None]):
        def compose(self):
            yield TimedTable(member_source(group))

    app = BenchApp()
    figures: dict[str, object] = {"members": group.member_count}
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(TimedTable)
        table.focus()
        await _until(pilot, lambda: table.first_paint_at is not None)
        figures["first_paint"] = table.first_paint_at - table.mounted_at
        await _until(pilot, lambda: table.total is not None and _screen_loaded(table))
        latencies = []
        for _ in range(presses):
            started = time.perf_counter()
            await table.run_action("cursor_page_down")  # what the pagedown key runs
            await _until(pilot, lambda: _screen_loaded(table))
            latencies.append(time.perf_counter() - started)
        figures["page_down"] = latencies
        started = time.perf_counter()
        await table.run_action("cursor_last")
        await _until(pilot, lambda: table.cursor_row is not None and _screen_loaded(table))
        figures["end"] = time.perf_counter() - started
        figures["rss_delta"] = _rss() - rss_before
        started = time.perf_counter()
        table.filter_text = "smith"
        await _until(pilot, lambda: table.applied_filter == "smith"
                     and table.cursor_row is not None and _screen_loaded(table))
        figures["filter_rows"] = time.perf_counter() - started - FILTER_DELAY
        await _until(pilot, lambda: table.total is not None, limit=600)
        figures["filter_count"] = time.perf_counter() - started - FILTER_DELAY
        figures["filter_total"] = table.total
    return figures


# --- report ----------------------------------------------------------------------------


def _run_child(url: str, code: str, presses: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--db", url, "--measure", code, "--presses", str(presses)],
        check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def report(big: dict, small: dict) -> None:
    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    print(f"\n{'':28}{big['members']:>14,}{small['members']:>14,}   ratio")
    rows = [
        ("first paint", big["first_paint"], small["first_paint"], "< 500 ms"),
        ("page-down mean", statistics.mean(big["page_down"]),
         statistics.mean(small["page_down"]), "< 50 ms"),
        ("page-down p95", p95(big["page_down"]), p95(small["page_down"]), "< 50 ms"),
        ("end (G)", big["end"], small["end"], ""),
        ("filter 'smith': rows", big["filter_rows"], small["filter_rows"], ""),
        ("filter 'smith': count", big["filter_count"], small["filter_count"], ""),
    ]
    for label, large, little, target in rows:
        ratio = large / little if little else float("inf")
        print(f"{label:28}{_ms(large):>14}{_ms(little):>14}{ratio:7.1f}x  {target}")
    mib = 1024 * 1024
    ratio = big["rss_delta"] / small["rss_delta"] if small["rss_delta"] else float("inf")
    print(f"{'RSS growth':28}{big['rss_delta'] / mib:>11.1f} MiB"
          f"{small['rss_delta'] / mib:>11.1f} MiB{ratio:7.1f}x  flat")
    print(f"(filter matched {big['filter_total']:,} and {small['filter_total']:,} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a file in the temp directory)")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.gettempdir()) / 'contact-groups-bench.db'}"
    if args.measure:
        database.connect(url)
        print(json.dumps(asyncio.run(_measure(args.measure, args.presses))))
        return
    big_code, small_code = prepare(url, args.members)
    report(_run_child(url, big_code, args.presses), _run_child(url, small_code, args.presses))


if __name__ == "__main__":
    main()
