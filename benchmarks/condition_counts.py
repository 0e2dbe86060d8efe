"""Benchmark: counting the contacts a condition matches, beside hand-written SQL (SPEC §10).

    python benchmarks/condition_counts.py [--contacts N] [--db URL] [--seed S] [--repeat R]

Opens the database at ``--db`` (default: a temporary SQLite file, deleted afterwards); an
empty one is filled with N demo contacts (default 1,000,000, about five activities each), one
that already holds demo data is used as it is. For three conditions — no activity in 365
days, an e-mail domain and a country, a form submitted in the last 30 days — it times the
count over the compiled query (as ``store.binding.condition_service.count_matching`` runs it) and a
hand-written SQL statement a DBA would write for the same count on the same engine, prints
both counts (they must be equal) and the ratio compiled / hand-written (SPEC §10 asks for at
most 1.5). Each figure is the median of R runs after one warm-up run (warm cache). Figures
are printed, never asserted.

The conditions and their hand-written statements are shared with ``benchmarks/rebuild.py``.
(The file is not called ``conditions.py``: run as a script, that name would shadow the
``conditions`` package for every script in this folder.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from store import groups
from store.binding.condition_service import check_condition, count_matching
from store.clock import utcnow
from store.db import database
from store.db.models import Activity, Contact
from store.demo import generate_demo
from store.errors import StoreError

DOMAIN = "@gmail.com"  # the demo's most common free-mail domain
COUNTRY = "US"  # the demo's most common country
FORM = "ContactUs"  # one of the demo's four forms
PAGE = "/Products/Coffee"  # one of the demo's visited pages


@dataclass(frozen=True)
class Case:
    """A condition and the SQL a DBA would write for its set of live contact ids.

    ``sqlite``/``postgresql`` select the ids (``{p}`` is the engine's placeholder);
    ``params(now)`` are their parameters; ``count_*`` count the same set.
    """

    name: str
    condition: str
    sqlite: str
    postgresql: str
    count_sqlite: str
    count_postgresql: str
    params: Callable[[dt.datetime, bool], tuple]

    def select_sql(self, db: pw.Database) -> str:
        return _engine_sql(db, self.sqlite, self.postgresql)

    def count_sql(self, db: pw.Database) -> str:
        return _engine_sql(db, self.count_sqlite, self.count_postgresql)


def _engine_sql(db: pw.Database, sqlite: str, postgresql: str) -> str:
    if isinstance(db, pw.SqliteDatabase):
        return sqlite.format(p="?")
    return postgresql.format(p="%s")


def _since(now: dt.datetime, days: int, sqlite: bool) -> object:
    """The window start as the engine stores times (text in SQLite, as peewee writes it)."""
    start = now - dt.timedelta(days=days)
    return str(start) if sqlite else start


_INACTIVE = ("FROM contact c WHERE c.merged_into_id IS NULL AND NOT EXISTS "
             "(SELECT 1 FROM activity a WHERE a.contact_id = c.id AND a.at >= {p})")
_FORM = ("FROM contact c WHERE c.merged_into_id IS NULL AND c.id IN "
         "(SELECT s.contact_id FROM form_submission s WHERE s.form = {p} AND s.at >= {p})")
# The baseline compares the whole URL; VisitedPage also ignores scheme, host, query,
# fragment and a trailing slash, which costs it more per visit.
_PAGE = ("FROM contact c WHERE c.merged_into_id IS NULL AND c.id IN "
         "(SELECT a.contact_id FROM activity a WHERE a.type = 'pagevisit' AND a.at >= {p} "
         "AND lower(a.url) = lower({p}))")

CASES: tuple[Case, ...] = (
    Case(
        "no activity in 365 days",
        "!Contact.DidActivity(null, null, ToInt(365))",
        sqlite=f"SELECT c.id {_INACTIVE}",
        postgresql=f"SELECT c.id {_INACTIVE}",
        count_sqlite=f"SELECT COUNT(*) {_INACTIVE}",
        count_postgresql=f"SELECT COUNT(*) {_INACTIVE}",
        params=lambda now, sqlite: (_since(now, 365, sqlite),),
    ),
    Case(
        f"email ends with {DOMAIN} and country {COUNTRY}",
        f'Contact.ContactEmail.EndsWith("{DOMAIN}") && Contact.IsFromCountry("{COUNTRY}")',
        # SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE.
        sqlite="SELECT id FROM contact WHERE merged_into_id IS NULL "
               "AND email LIKE {p} AND country_code = {p}",
        postgresql="SELECT id FROM contact WHERE merged_into_id IS NULL "
                   "AND email ILIKE {p} AND country_code = {p}",
        count_sqlite="SELECT COUNT(*) FROM contact WHERE merged_into_id IS NULL "
                     "AND email LIKE {p} AND country_code = {p}",
        count_postgresql="SELECT COUNT(*) FROM contact WHERE merged_into_id IS NULL "
                         "AND email ILIKE {p} AND country_code = {p}",
        params=lambda now, sqlite: ("%" + DOMAIN, COUNTRY),
    ),
    Case(
        f"submitted form {FORM} in the last 30 days",
        f'Contact.SubmittedForm("{FORM}", ToInt(30))',
        sqlite=f"SELECT c.id {_FORM}",
        postgresql=f"SELECT c.id {_FORM}",
        count_sqlite=f"SELECT COUNT(*) {_FORM}",
        count_postgresql=f"SELECT COUNT(*) {_FORM}",
        params=lambda now, sqlite: (FORM, _since(now, 30, sqlite)),
    ),
    Case(
        f"visited page {PAGE} in 365 days",
        f'Contact.VisitedPage("{PAGE}", ToInt(365))',
        sqlite=f"SELECT c.id {_PAGE}",
        postgresql=f"SELECT c.id {_PAGE}",
        count_sqlite=f"SELECT COUNT(*) {_PAGE}",
        count_postgresql=f"SELECT COUNT(*) {_PAGE}",
        params=lambda now, sqlite: (_since(now, 365, sqlite), PAGE),
    ),
)


def case_params(case: Case, db: pw.Database, now: dt.datetime) -> tuple:
    return case.params(now, isinstance(db, pw.SqliteDatabase))


# --- shared helpers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and this process's CPU seconds (SQLite works in the process, so
    on a busy machine its CPU time is the steadier figure; PostgreSQL works in the server)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.3f} s (cpu {self.cpu:.3f} s)"


def timed(action: Callable[[], object]) -> tuple[Timing, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return Timing(time.perf_counter() - started, time.process_time() - cpu), result


def median_of(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings),
                  statistics.median(t.cpu for t in timings))


def median_time(repeat: int, action: Callable[[], object]) -> tuple[Timing, object]:
    """One warm-up run, then the median of ``repeat`` timed runs; the last run's result."""
    result = action()
    timings = []
    for _ in range(max(1, repeat)):
        timing, result = timed(action)
        timings.append(timing)
    return median_of(timings), result


def hand_insert(db: pw.Database, code: str, sql: str, params: tuple, now,
                repeat: int) -> Timing:
    """What a DBA would run to fill a new group: one INSERT … SELECT into the same membership
    table (same keys and foreign keys), without audit, committed; R runs, each into a new
    group."""
    p = db.param
    insert = (f"INSERT INTO membership (group_id, contact_id, from_condition, from_account, "
              f"manual, added_at) SELECT {p}, picked.id, TRUE, FALSE, FALSE, {p} "
              f"FROM ({sql}) AS picked")
    timings = []
    for attempt in range(max(1, repeat)):
        group = groups.create_group(f"Benchmark hand insert {attempt}",
                                    code_name=f"{code}_hand_{attempt}")
        timing, _ = timed(lambda g=group: committed(db, insert, (g.id, now, *params)))
        timings.append(timing)
        groups.delete_group(group)
    return median_of(timings)


def committed(db: pw.Database, statement: str, params: tuple) -> None:
    """Run ``statement`` in its own transaction, committed: the rebuild's time includes its
    commits, and a DBA's insert is done only once committed (on SQLite, a commit may
    checkpoint the write-ahead log)."""
    with db.atomic():
        db.execute_sql(statement, params)


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline > 0 else float("inf")


def progress_printer() -> Callable[[str, float], None]:
    started = time.perf_counter()
    last = {"phase": "", "at": 0.0}

    def show(phase: str, done: float) -> None:
        now = time.perf_counter()
        if phase != last["phase"] or now - last["at"] >= 10:
            print(f"  {now - started:6.1f} s  {phase} {done:.0%}", file=sys.stderr, flush=True)
            last.update(phase=phase, at=now)

    return show


def open_with_demo(url: str, contacts: int, seed: int) -> pw.Database:
    """Open ``url``; fill it with demo data if it is empty, else use the data it has."""
    db = database.connect(url)
    print(f"database: {db.display_url}")
    if Contact.select().exists():
        print(f"demo data: reusing {Contact.select().count():,} contacts and "
              f"{Activity.select().count():,} activities already there "
              f"(--contacts ignored)")
    else:
        summary = generate_demo(contacts, seed, progress_printer())
        print(f"demo data: {summary.contacts:,} contacts, {summary.accounts:,} accounts, "
              f"{summary.activities:,} activities, {summary.form_submissions:,} form "
              f"submissions in {summary.seconds:.1f} s")
    if isinstance(db, pw.PostgresqlDatabase):
        db.execute_sql("ANALYZE")  # fresh statistics, as autovacuum would leave them
    return db


@contextmanager
def database_url(url: str | None) -> Iterator[str]:
    """``url``, or a temporary SQLite file deleted afterwards."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="contact-groups-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


# --- this benchmark ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(argv, __doc__, run, contacts=1_000_000, repeat=5)


def run_benchmark(argv: list[str] | None, doc: str,
                  run: Callable[[str, argparse.Namespace], None], *, contacts: int,
                  repeat: int) -> int:
    """The options every benchmark here takes (``--contacts``, ``--db``, ``--seed``,
    ``--repeat``), then ``run(url, args)`` on that database; an error is one line, exit 2."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=contacts,
                        help=f"demo contacts for an empty database (default {contacts:,})")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file); "
                                     "demo data already there is reused")
    parser.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    parser.add_argument("--repeat", type=int, default=repeat,
                        help=f"timed runs per figure (default {repeat})")
    args = parser.parse_args(argv)
    try:
        with database_url(args.db) as url:
            run(url, args)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        database.close()
    return 0


def run(url: str, args: argparse.Namespace) -> None:
    db = open_with_demo(url, args.contacts, args.seed)
    engine = "SQLite" if isinstance(db, pw.SqliteDatabase) else "PostgreSQL"
    now = utcnow()
    print(f"{engine}; each time is the median of {args.repeat} runs after a warm-up run "
          f"(warm cache); 'now' fixed at {now:%Y-%m-%d %H:%M:%S} UTC")
    rows = []
    for case in CASES:
        checked = check_condition(case.condition)
        ours, our_count = median_time(args.repeat, lambda c=checked: count_matching(c, now))
        sql, params = case.count_sql(db), case_params(case, db, now)
        hand, hand_count = median_time(
            args.repeat, lambda s=sql, p=params: db.execute_sql(s, p).fetchone()[0])
        same = "equal" if our_count == hand_count else "DIFFERENT"
        cpu_ratio = (f", {ratio(ours.cpu, hand.cpu):.2f}x cpu" if engine == "SQLite"
                     else "")  # PostgreSQL works in the server: client CPU says nothing
        print(f"{case.name}: compiled count {ours} -> {our_count:,}; hand-written SQL "
              f"{hand} -> {hand_count:,}; ratio {ratio(ours.wall, hand.wall):.2f}x wall"
              f"{cpu_ratio} (target at most 1.5x); counts {same}", flush=True)
        rows.append((case.name, ours, hand, our_count, hand_count))

    print()
    cpu = "cpu" if engine == "SQLite" else "client cpu"
    print(f"{engine}: wall seconds ({cpu} seconds), medians of {args.repeat}")
    print(f"{'condition':<44} {'compiled':>15} {'hand SQL':>15} {'ratio':>6} "
          f"{'count':>9} {'hand count':>10}")
    for name, ours, hand, our_count, hand_count in rows:
        print(f"{name:<44} {ours.wall:>6.3f} ({ours.cpu:.3f}) {hand.wall:>6.3f} "
              f"({hand.cpu:.3f}) {ratio(ours.wall, hand.wall):>5.2f}x "
              f"{our_count:>9,} {hand_count:>10,}")


if __name__ == "__main__":
    sys.exit(main())
