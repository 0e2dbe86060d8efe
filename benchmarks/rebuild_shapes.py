"""Benchmark: a rebuild costs about one evaluation of its condition, whatever its shape.

    python benchmarks/rebuild_shapes.py [--contacts N] [--db URL] [--seed S] [--repeat R]

Opens the database at ``--db`` (default: a temporary SQLite file); an empty one is filled
with N demo contacts (default 300,000), one with demo data is used as it is. For a condition
mixing contact fields with an activity set (issue 10, item 5: a text test, ``DidActivity``
and another text test, joined by ``||``) it times, in the same run:

- the count of its contacts, as ``condition check --count`` computes it (the baseline);
- one ``INSERT INTO membership … SELECT`` of the same set (the condition's own SQL) into a
  new group, committed: what writing the members costs by itself, which the rebuild of a
  new group cannot avoid;
- the rebuild of a new group with that condition (one run per new group, R groups);
- the rebuild of the same group unchanged (median of R after a warm-up run).

On SQLite a rebuild that large evaluates over contact-id ranges (for progress and cancel);
before the activity set was computed once, each range computed it again. It prints the
ratios rebuild / count (target at most 2). Figures are printed, never asserted. The groups it
creates are deleted at the end.
"""

from __future__ import annotations

import argparse
import sys

import condition_counts as shared  # benchmarks/condition_counts.py, beside this file
import peewee as pw

from store import groups
from store.binding.condition_service import check_condition, compile_condition, count_matching
from store.clock import utcnow
from store.db.models import ContactGroup
from store.engine.rebuild import rebuild_group
from store.errors import StoreError

CONDITION = ('Contact.ContactEmail.Contains("an") || Contact.DidActivity("pagevisit", null, 400)'
             ' || Contact.ContactLastName.StartsWith("S")')
CODE_PREFIX = "BenchShapes"


def main(argv: list[str] | None = None) -> int:
    return shared.run_benchmark(argv, __doc__, run, contacts=300_000, repeat=3)


def run(url: str, args: argparse.Namespace) -> None:
    db = shared.open_with_demo(url, args.contacts, args.seed)
    engine = "SQLite" if isinstance(db, pw.SqliteDatabase) else "PostgreSQL"
    now = utcnow()
    checked = check_condition(CONDITION)
    count, matching = shared.median_time(args.repeat, lambda: count_matching(checked, now))
    compiled = compile_condition(checked, now)
    insert = shared.hand_insert(db, CODE_PREFIX, compiled.select(compiled.id_column),
                                compiled.params, now, args.repeat)
    fresh_times, group = [], None
    try:
        for attempt in range(args.repeat):
            group = groups.create_group(f"Benchmark shapes {attempt}",
                                        code_name=f"{CODE_PREFIX}_{attempt}",
                                        condition=CONDITION)
            timing, result = shared.timed(lambda g=group: rebuild_group(g, now=now))
            if result.members != matching:
                raise StoreError(f"the rebuild found {result.members:,} members, the count "
                                 f"{matching:,}")
            fresh_times.append(timing)
        fresh = shared.median_of(fresh_times)
        unchanged, _ = shared.median_time(
            args.repeat, lambda: rebuild_group(ContactGroup.get_by_id(group.id), now=now))
    finally:
        for made in ContactGroup.select().where(ContactGroup.code_name.startswith(CODE_PREFIX)):
            groups.delete_group(made)
    print(f"{engine}: {CONDITION}")
    print(f"  count (condition check --count)  {count}  -> {matching:,} contacts")
    print(f"  insert of the set, committed     {insert}  "
          f"{shared.ratio(insert.wall, count.wall):.2f}x the count")
    print(f"  rebuild, new group               {fresh}  "
          f"{shared.ratio(fresh.wall, count.wall):.2f}x the count (target at most 2), "
          f"{shared.ratio(fresh.wall, insert.wall):.2f}x the insert")
    print(f"  rebuild, unchanged               {unchanged}  "
          f"{shared.ratio(unchanged.wall, count.wall):.2f}x the count (target at most 2)")


if __name__ == "__main__":
    sys.exit(main())
