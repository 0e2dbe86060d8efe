"""Benchmark: demo generation, adding every contact to a group, and bulk removal (SPEC §10).

    python benchmarks/membership.py [--contacts N] [--db URL] [--seed S] [--repeat R]

Opens ``--db`` (default: a temporary SQLite file, deleted afterwards); an empty database is
filled with N demo contacts (default 1,000,000), one with demo data is used as it is. Adds
every live contact to a static group, then measures removing 100,000 marked members (a
tenth of the members for small N) and removing all members through the store services,
each beside hand-written SQL doing the same on the same database in the same run (the audit
insert of the rows, then the DELETE). Before every measurement the group's membership is
put back from a copy of its rows, so each starts from the same state. Figures are printed,
never asserted; the target is at most 1.5x the hand-written statements.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

import condition_counts as shared  # benchmarks/condition_counts.py, beside this file
import peewee as pw

from store import groups, membership
from store.clock import utcnow
from store.contact_sets import Selection
from store.db import database
from store.db.models import ContactGroup, Membership
from store.errors import StoreError

COPY_TABLE = "bench_membership_copy"
MARKED = 100_000


def main(argv: list[str] | None = None) -> int:
    return shared.run_benchmark(argv, __doc__, run, contacts=1_000_000, repeat=1)


def run(url: str, args: argparse.Namespace) -> None:
    db = shared.open_with_demo(url, args.contacts, args.seed)
    stale = ContactGroup.get_or_none(ContactGroup.code_name == "BenchmarkAllContacts")
    if stale is not None:  # left by an interrupted run on a reused database
        groups.delete_group(stale)
    group = groups.create_group("Benchmark all contacts", code_name="BenchmarkAllContacts")
    started = time.perf_counter()
    added = membership.add_contacts(group, Selection.matching(), actor="benchmark")
    print(f"add all live contacts as manual members: {added:,} in "
          f"{time.perf_counter() - started:.2f} s")

    bench = Bench(db, group.id)
    bench.save_copy()
    try:
        members = [c for (c,) in Membership.select(Membership.contact)
                   .where(Membership.group == group.id).tuples()]
        marked = sorted(random.Random(args.seed).sample(
            members, min(MARKED, max(1, len(members) // 10))))

        service = bench.best(args.repeat, lambda: membership.remove_contacts(
            bench.group(), Selection.of_ids(marked), actor="benchmark"), len(marked))
        baseline = bench.best(args.repeat, lambda: bench.delete_sql(marked), len(marked))
        report(f"remove {len(marked):,} marked members", service, baseline)

        service = bench.best(args.repeat, lambda: membership.remove_all_contacts(
            bench.group(), actor="benchmark"), len(members))
        baseline = bench.best(args.repeat, lambda: bench.delete_sql(None), len(members))
        report(f"remove all {len(members):,} members", service, baseline)
    finally:
        bench.drop_copy()
        groups.delete_group(bench.group())
        database.close()


def report(what: str, service: float, baseline: float) -> None:
    ratio = service / baseline if baseline > 0 else float("inf")
    print(f"{what}: service {service:.3f} s, hand-written delete and audit {baseline:.3f} s, "
          f"ratio {ratio:.2f}x (target: at most 1.5x)")


def _progress() -> Callable[[str, float], None]:
    started = time.perf_counter()
    last = {"phase": "", "at": 0.0}

    def show(phase: str, done: float) -> None:
        now = time.perf_counter()
        if phase != last["phase"] or now - last["at"] >= 10:
            print(f"  {now - started:6.1f} s  {phase} {done:.0%}", file=sys.stderr, flush=True)
            last.update(phase=phase, at=now)

    return show


def audit_rows(db: pw.Database, where: str, params: tuple) -> None:
    """A hand-written audit trail of the membership rows ``where`` picks, in the store's
    layout: one batch, then a (batch, contact) row each."""
    p = db.param
    batch = db.execute_sql(
        "INSERT INTO audit_batch (group_id, action, source, actor, at, contacts) "
        f"VALUES ({p}, 'removed', 'manual', 'dba', {p}, 0) RETURNING id",
        (params[0], utcnow())).fetchone()[0]
    db.execute_sql(f"INSERT INTO audit_contact (batch_id, contact_id) SELECT {p}, contact_id "
                   f"FROM membership WHERE {where}", (batch, *params))


class Bench:
    """One group's membership, saved once and put back before every measurement."""

    def __init__(self, db: pw.Database, group_id: int) -> None:
        self.db = db
        self.group_id = group_id
        self.columns = ", ".join(f'"{f.column_name}"' for f in Membership._meta.sorted_fields)
        self.param = db.param

    def group(self) -> ContactGroup:
        return ContactGroup.get_by_id(self.group_id)

    def save_copy(self) -> None:
        self.db.execute_sql(f'DROP TABLE IF EXISTS "{COPY_TABLE}"')
        self.db.execute_sql(
            f'CREATE TABLE "{COPY_TABLE}" AS SELECT {self.columns} FROM "membership" '
            f"WHERE group_id = {self.param}", (self.group_id,))

    def drop_copy(self) -> None:
        self.db.execute_sql(f'DROP TABLE IF EXISTS "{COPY_TABLE}"')

    def restore(self) -> int:
        """Put the saved membership back, with its member count."""
        with self.db.atomic():
            self.db.execute_sql(f'DELETE FROM "membership" WHERE group_id = {self.param}',
                                (self.group_id,))
            self.db.execute_sql(f'INSERT INTO "membership" ({self.columns}) '
                                f'SELECT {self.columns} FROM "{COPY_TABLE}"')
            count = self.db.execute_sql(f'SELECT COUNT(*) FROM "{COPY_TABLE}"').fetchone()[0]
            ContactGroup.update(member_count=count).where(
                ContactGroup.id == self.group_id).execute()
        if isinstance(self.db, pw.SqliteDatabase):  # every measurement starts with no WAL
            self.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    def delete_sql(self, contact_ids: list[int] | None) -> int:
        """The baseline: what a DBA would write — an audit insert of the rows, then one
        DELETE (the marked ids bound as one JSON array)."""
        where = "group_id = {p}"
        params: tuple = (self.group_id,)
        if contact_ids is not None:
            if isinstance(self.db, pw.PostgresqlDatabase):
                ids = (f"SELECT CAST(value AS BIGINT) FROM "
                       f"json_array_elements_text(CAST({self.param} AS json))")
            else:
                ids = f"SELECT value FROM json_each({self.param})"
            where += f" AND contact_id IN ({ids})"
            params += ("[" + ",".join(map(str, contact_ids)) + "]",)
        where = where.replace("{p}", self.param)
        with self.db.atomic():
            audit_rows(self.db, where, params)
            return self.db.execute_sql(f'DELETE FROM "membership" WHERE {where}',
                                       params).rowcount

    def best(self, repeat: int, action: Callable[[], int], expected: int) -> float:
        """The fastest of ``repeat`` timed runs of ``action``, each from the saved state."""
        times = []
        for _ in range(max(1, repeat)):
            self.restore()
            started = time.perf_counter()
            removed = action()
            times.append(time.perf_counter() - started)
            if removed != expected:
                raise StoreError(f"removed {removed:,} members, expected {expected:,}")
        return min(times)


if __name__ == "__main__":
    sys.exit(main())
