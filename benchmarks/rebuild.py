"""Benchmark: rebuilding condition-based groups and re-evaluating one contact (SPEC §10).

    python benchmarks/rebuild.py [--contacts N] [--db URL] [--postgres URL | --no-postgres]
                                 [--seed S] [--repeat R] [--sample K] [--groups G] [--runs M]

Runs on SQLite (``--db``, default a temporary file) and on PostgreSQL (``--postgres URL``;
without it, a scratch database on the development server at ``postgresql://cg@127.0.0.1:54330``
when that answers, dropped afterwards). An empty database is filled with N demo contacts
(default 1,000,000, about five activities each); one with demo data is used as it is.

For the three conditions of ``benchmarks/condition_counts.py`` it prints, on each engine:
- the rebuild of a newly created group (``store.engine.rebuild.rebuild_group``: evaluation, and the
  writing of every membership and its audit row) beside a hand-written ``INSERT INTO
  membership … SELECT`` of the same set into the same table (same keys and foreign keys, no
  audit, committed, as the rebuild commits), and the rebuild of the same group unchanged
  (a second rebuild, nothing to write) beside the hand-written SELECT of the set (fetched
  by the client), on the same database in the same run, with their ratios (issue 10: at
  most 1.5); the rebuilt members must equal that set;
- contact-by-contact evaluation through the ORM (``contact_matches`` over ``Contact`` rows
  fetched through peewee, as the slow path does) timed on a random sample of K live contacts
  and extrapolated to them all, and how many times faster the rebuild is (200 or more, for
  conditions that read activities or forms);
- re-evaluating one contact against G condition groups (default 100) that all read
  ``ContactCity`` (most also read activity types) after its city changed: the mean and p95 of
  ``store.engine.reevaluate.reevaluate_contact`` (in its transaction) over M runs (SPEC: under
  5 ms), and of the whole ``store.contacts.update_contact`` that calls it.

Times are medians of R runs after a warm-up run (warm cache), except the fresh-group rebuild,
which is one run per fresh group, R groups. Figures are printed, never asserted. Groups the
benchmark creates are deleted at the end; their audit rows stay.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import condition_counts as shared  # benchmarks/condition_counts.py, beside this file
import peewee as pw

from store import groups
from store.binding import condition_service
from store.binding.condition_service import check_condition, contact_matches
from store.clock import utcnow
from store.contacts import update_contact
from store.db import database
from store.db.models import Contact, ContactGroup, Membership
from store.engine.rebuild import rebuild_group
from store.engine.reevaluate import Change, reevaluate_contact
from store.errors import NotFound, StoreError

DEV_SERVER = "postgresql://cg@127.0.0.1:54330/postgres"
ACTOR = "benchmark"
CODE_PREFIX = "BenchRebuild"

# Cities the demo has, in several countries; the changed contact moves between the first four.
CITIES = ("Praha", "Berlin", "London", "Brno", "Paris", "Chicago", "Wien", "Madrid", "Oslo",
          "Toronto", "Sydney", "München", "Kraków", "Dublin", "Amsterdam", "Zürich", "Lyon",
          "Boston", "Seattle", "Ostrava")
# Every template reads ContactCity, most also activity types.
TEMPLATES = (
    'Contact.ContactCity == "{city}"',
    'Contact.ContactCity.StartsWith("{head}")',
    'Contact.ContactCity.Contains("{part}") && Contact.DidActivity("pagevisit", null, '
    "ToInt({days}))",
    'Contact.ContactCity == "{city}" || Contact.DidActivities("purchase;userlogin", '
    "ToInt({days}), false)",
    'Contact.ContactCity != "{city}" && Contact.DidActivity("newsletteropen;'
    'newsletterclickthrough", null, ToInt({days}))',
    'Contact.ContactCity.EndsWith("{tail}") && !Contact.DidActivity("purchase", null, '
    "ToInt({days}))",
    'Contact.DidActivity("newslettersubscription", "newsletterunsubscription", ToInt(0)) '
    '&& Contact.ContactCity == "{city}"',
    'Contact.ContactCity.EqualsAny("{city};{other}") && Contact.DidActivities('
    '"filedownload;landingpage", ToInt({days}), true)',
    '!Contact.DidActivity(null, null, ToInt({days})) && Contact.ContactCity.NotContains('
    '"{part}")',
    'Contact.ContactCity.ToLower() == "{lower}" && Contact.DidActivity("userlogin", null, '
    "ToInt({days}))",
)


@dataclass
class CaseResult:
    engine: str
    name: str
    members: int
    fresh: object  # shared.Timing
    unchanged: object
    hand: object  # the hand-written SELECT of the set: the unchanged rebuild's baseline
    hand_insert: object  # the hand-written INSERT INTO membership: the fresh one's baseline
    orm_total: float
    orm_sample: int
    orm_agree: bool


@dataclass
class ReevalResult:
    engine: str
    groups: int
    evaluated: int
    changed_per_run: float
    mean: float
    p95: float
    update_mean: float
    update_p95: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000,
                        help="demo contacts for an empty database (default 1,000,000)")
    parser.add_argument("--db", help="SQLite (or any) database URL (default: a temporary "
                                     "SQLite file); demo data already there is reused")
    parser.add_argument("--postgres", help="PostgreSQL database URL; demo data already there "
                                           "is reused (default: a scratch database on the "
                                           "development server, if it answers)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs per figure after a warm-up run (default 3)")
    parser.add_argument("--sample", type=int, default=2_000,
                        help="contacts evaluated one by one through the ORM (default 2,000)")
    parser.add_argument("--groups", type=int, default=100,
                        help="condition groups for the re-evaluation (default 100)")
    parser.add_argument("--runs", type=int, default=50,
                        help="timed re-evaluations of the changed contact (default 50)")
    args = parser.parse_args(argv)
    cases: list[CaseResult] = []
    reevals: list[ReevalResult] = []
    try:
        with shared.database_url(args.db) as url:
            run_engine(url, args, cases, reevals)
        if not args.no_postgres:
            if args.postgres:
                run_engine(args.postgres, args, cases, reevals)
            else:
                scratch = _scratch_postgres()
                if scratch is None:
                    print("\nPostgreSQL: the development server does not answer; skipped")
                else:
                    try:
                        run_engine(scratch.url, args, cases, reevals)
                    finally:
                        scratch.drop()
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        database.close()
    print_table(cases, reevals, args)
    return 0


# --- one engine --------------------------------------------------------------------------


def run_engine(url: str, args: argparse.Namespace, cases: list[CaseResult],
               reevals: list[ReevalResult]) -> None:
    database.close()
    print()
    db = shared.open_with_demo(url, args.contacts, args.seed)
    engine = "SQLite" if isinstance(db, pw.SqliteDatabase) else "PostgreSQL"
    _drop_bench_groups()
    live = Contact.select().where(Contact.merged_into.is_null()).count()
    print(f"{engine}: {live:,} live contacts; times are medians of {args.repeat} runs after a "
          f"warm-up run (warm cache); a fresh group is rebuilt once per group, "
          f"{args.repeat} groups")
    rng = random.Random(args.seed)
    live_ids = [i for (i,) in Contact.select(Contact.id)
                .where(Contact.merged_into.is_null()).tuples()]
    sample = sorted(rng.sample(live_ids, min(args.sample, len(live_ids))))
    try:
        for index, case in enumerate(shared.CASES):
            cases.append(bench_case(db, engine, index, case, live, sample, args))
        reevals.append(bench_reevaluation(db, engine, rng.choice(live_ids), args))
    finally:
        _drop_bench_groups()


def _drop_bench_groups() -> None:
    for group in ContactGroup.select().where(ContactGroup.code_name.startswith(CODE_PREFIX)):
        groups.delete_group(group)


def bench_case(db: pw.Database, engine: str, index: int, case, live: int, sample: list[int],
               args: argparse.Namespace) -> CaseResult:
    now = utcnow()
    code = f"{CODE_PREFIX}{index}"

    # A fresh group: created, rebuilt once (every member and audit row written), dropped.
    fresh_times = []
    for attempt in range(max(1, args.repeat)):
        group = groups.create_group(f"Benchmark {case.name} {attempt}",
                                    code_name=f"{code}_{attempt}", condition=case.condition)
        timing, fresh_result = shared.timed(
            lambda g=group: rebuild_group(g, actor=ACTOR, now=now))
        fresh_times.append(timing)
        if attempt < args.repeat - 1:
            groups.delete_group(group)
    fresh = shared.median_of(fresh_times)

    # The same group again: nothing changed, nothing to write.
    def again() -> object:
        result = rebuild_group(ContactGroup.get_by_id(group.id), actor=ACTOR, now=now)
        if result.added or result.removed:
            raise StoreError(f"an unchanged rebuild changed {result.added + result.removed} "
                             "memberships")
        return result

    unchanged, _ = shared.median_time(args.repeat, again)

    sql, params = case.select_sql(db), shared.case_params(case, db, now)
    hand, rows = shared.median_time(args.repeat, lambda: db.execute_sql(sql, params).fetchall())
    hand_insert = shared.hand_insert(db, code, sql, params, now, args.repeat)
    expected = {row[0] for row in rows}
    members = {row[0] for row in Membership.select(Membership.contact).where(
        (Membership.group == group.id) & (Membership.from_condition == True)  # noqa: E712
    ).tuples()}
    if members != expected:
        raise StoreError(f"{case.name}: the rebuild gave {len(members):,} members, the "
                         f"hand-written SQL {len(expected):,} contacts")
    if fresh_result.members != len(expected):
        raise StoreError(f"{case.name}: the fresh rebuild reported {fresh_result.members:,} "
                         f"members, expected {len(expected):,}")

    orm_seconds, verdicts = orm_evaluation(case.condition, sample, now)
    orm_total = orm_seconds * live / max(1, len(sample))
    agree = all((cid in expected) == verdict for cid, verdict in verdicts.items())

    print(f"{case.name}: {len(expected):,} members; fresh group {fresh} "
          f"({shared.ratio(fresh.wall, hand_insert.wall):.2f}x the hand-written insert "
          f"{hand_insert}), unchanged {unchanged} "
          f"({shared.ratio(unchanged.wall, hand.wall):.2f}x the hand-written select {hand}); "
          f"ORM one by one {orm_seconds:.2f} s for {len(sample):,} -> {orm_total:.0f} s for "
          f"{live:,} ({shared.ratio(orm_total, unchanged.wall):.0f}x the unchanged rebuild, "
          f"{shared.ratio(orm_total, fresh.wall):.0f}x the fresh one); sample verdicts "
          f"{'agree' if agree else 'DISAGREE'} with SQL", flush=True)
    groups.delete_group(ContactGroup.get_by_id(group.id))
    return CaseResult(engine, case.name, len(expected), fresh, unchanged, hand, hand_insert,
                      orm_total, len(sample), agree)


def orm_evaluation(condition: str, sample: list[int], now) -> tuple[float, dict[int, bool]]:
    """Contact by contact: rows fetched through peewee a page at a time, evaluated in Python."""
    checked = check_condition(condition)
    started = time.perf_counter()
    current = condition_service.schema()
    verdicts: dict[int, bool] = {}
    for start in range(0, len(sample), condition_service.IN_MEMORY_PAGE):
        page = sample[start:start + condition_service.IN_MEMORY_PAGE]
        for contact in Contact.select().where(Contact.id.in_(page)).order_by(Contact.id):
            verdicts[contact.id] = contact_matches(checked, contact, now, current)
    return time.perf_counter() - started, verdicts


# --- re-evaluating one contact -------------------------------------------------------------


def reevaluation_conditions(count: int) -> list[str]:
    conditions = []
    for i in range(count):
        city = CITIES[i % len(CITIES)]
        values = {"city": city, "other": CITIES[(i + 7) % len(CITIES)], "head": city[:2],
                  "part": city[1:3], "tail": city[-2:], "lower": city.lower(),
                  "days": (7, 30, 90, 180, 365)[(i // len(TEMPLATES)) % 5]}
        conditions.append(TEMPLATES[i % len(TEMPLATES)].format(**values))
    return conditions


def bench_reevaluation(db: pw.Database, engine: str, contact_id: int,
                       args: argparse.Namespace) -> ReevalResult:
    conditions = reevaluation_conditions(args.groups)
    for i, condition in enumerate(conditions):
        groups.create_group(f"Benchmark re-evaluation {i}", code_name=f"{CODE_PREFIX}R{i:03}",
                            condition=condition)
    with db.atomic():  # the contact's memberships as they would be after rebuilds
        reevaluate_contact(contact_id, Change(everything=True), ACTOR)

    def move(run: int) -> str:
        return CITIES[run % 4]

    times, evaluated, changed = [], [], []
    for run in range(args.runs + 1):  # the first run warms the caches, not timed
        Contact.update(city=move(run), modified=utcnow()).where(
            Contact.id == contact_id).execute()
        started = time.perf_counter()
        with db.atomic():
            result = reevaluate_contact(contact_id, Change.of_columns({"city"}), ACTOR)
        if run:
            times.append(time.perf_counter() - started)
            evaluated.append(len(result.evaluated))
            changed.append(len(result.changed))

    update_times = []
    for run in range(args.runs + 1):
        started = time.perf_counter()
        update_contact(contact_id, actor=ACTOR, city=move(run + 1))
        if run:
            update_times.append(time.perf_counter() - started)

    result = ReevalResult(engine, args.groups, max(evaluated), statistics.mean(changed),
                          statistics.mean(times), _p95(times), statistics.mean(update_times),
                          _p95(update_times))
    print(f"re-evaluate contact {contact_id} after a city change against {args.groups} groups "
          f"({result.evaluated} evaluated, {result.changed_per_run:.1f} memberships changed "
          f"per run): mean {result.mean * 1000:.2f} ms, p95 {result.p95 * 1000:.2f} ms over "
          f"{args.runs} runs (target under 5 ms); whole update_contact mean "
          f"{result.update_mean * 1000:.2f} ms, p95 {result.update_p95 * 1000:.2f} ms",
          flush=True)
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- the scratch PostgreSQL database ---------------------------------------------------------


@dataclass
class _Scratch:
    url: str
    name: str
    server: str

    def drop(self) -> None:
        database.close()
        _admin(self.server, f'DROP DATABASE IF EXISTS "{self.name}"')
        print(f"PostgreSQL: dropped the scratch database {self.name}")


def _admin(server: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(server, connect_timeout=3)
    try:
        connection.autocommit = True
        connection.cursor().execute(statement)
    finally:
        connection.close()


def _scratch_postgres() -> _Scratch | None:
    """A new empty database on the development server, or None when it does not answer."""
    name = f"cg_bench_rebuild_{os.getpid()}"
    try:
        _admin(DEV_SERVER, f'CREATE DATABASE "{name}"')
    except Exception:  # no driver, no server: there is simply no PostgreSQL run
        return None
    parts = urlsplit(DEV_SERVER)
    return _Scratch(urlunsplit(parts._replace(path=f"/{name}")), name, DEV_SERVER)


# --- the table ---------------------------------------------------------------------------


def print_table(cases: list[CaseResult], reevals: list[ReevalResult],
                args: argparse.Namespace) -> None:
    if not cases:
        return
    print()
    print(f"Rebuild, wall seconds (median of {args.repeat} after warm-up; fresh: one rebuild "
          f"each of {args.repeat} new groups; ORM: {args.sample:,}-contact sample "
          f"extrapolated); SQLite cpu seconds in the second table")
    print(f"{'engine':<10} {'condition':<44} {'members':>9} {'fresh':>8} {'hand ins':>8} "
          f"{'ratio':>6} {'unchgd':>8} {'hand sel':>8} {'ratio':>6} {'ORM est.':>9} "
          f"{'ORM/unch':>8}")
    for r in cases:
        print(f"{r.engine:<10} {r.name:<44} {r.members:>9,} {r.fresh.wall:>7.3f}s "
              f"{r.hand_insert.wall:>7.3f}s {shared.ratio(r.fresh.wall, r.hand_insert.wall):>5.2f}x"
              f" {r.unchanged.wall:>7.3f}s {r.hand.wall:>7.3f}s "
              f"{shared.ratio(r.unchanged.wall, r.hand.wall):>5.2f}x {r.orm_total:>8.0f}s "
              f"{shared.ratio(r.orm_total, r.unchanged.wall):>7.0f}x")
    print("targets: a fresh rebuild at most 1.5x the hand-written insert, an unchanged one at "
          "most 1.5x the hand-written select; 200x faster than the ORM for conditions that "
          "read activities or forms (retired for contact fields only)")
    print()
    print(f"Re-evaluation of one contact after a city change ({args.runs} runs)")
    print(f"{'engine':<10} {'groups':>6} {'evaluated':>9} {'mean':>9} {'p95':>9} "
          f"{'update mean':>11} {'update p95':>10}")
    for r in reevals:
        print(f"{r.engine:<10} {r.groups:>6} {r.evaluated:>9} {r.mean * 1000:>7.2f}ms "
              f"{r.p95 * 1000:>7.2f}ms {r.update_mean * 1000:>9.2f}ms "
              f"{r.update_p95 * 1000:>8.2f}ms")
    print("target: under 5 ms")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except NotFound as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
