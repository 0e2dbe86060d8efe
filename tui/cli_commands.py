"""The commands of ``contact-groups`` (see :mod:`tui.cli` for the parser and entry point)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import json
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from store import accounts, contacts, groups, membership, settings
from store.binding import condition_service
from store.contact_sets import Selection
from store.engine import group_graph, heartbeat, rebuild, scheduler
from store.errors import StoreError
from store.reads import listing
from tui import formatting, scheduler_loop

# --- output ------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text() if callable(text) else text)


# --- commands ----------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> None:
    from store.demo import generate_demo

    progress = formatting.ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    summary = generate_demo(contacts=args.contacts, seed=args.seed,
                            progress=progress.update if progress else None)
    if progress:
        progress.finish()
    data = dataclasses.asdict(summary)
    # The sample condition group is filled at once, so the demo opens on real members.
    data["rebuilt"] = [_rebuild_with_progress(group).as_dict()
                       for group in groups.list_groups() if group.is_condition_based]
    _emit(args, data, lambda: formatting.demo_summary(data))


def cmd_groups_list(args: argparse.Namespace) -> None:
    found = groups.list_groups()
    _emit(args, [formatting.group_summary(group) for group in found],
          lambda: formatting.groups_table(found, scheduler.local_zone()))


def cmd_groups_show(args: argparse.Namespace) -> None:
    group = groups.read_group_named(args.code)
    _emit(args, formatting.group_summary(group, detail=True),
          lambda: formatting.group_details(group, _readable_condition(group.condition),
                                           scheduler.local_zone()))


def _readable_condition(condition: str | None) -> str:
    """The condition's sentence; as written if it no longer parses (it is shown, not run)."""
    if not condition:
        return ""
    try:
        return condition_service.describe(condition)
    except StoreError:
        return condition


def cmd_groups_create(args: argparse.Namespace) -> None:
    created = groups.create_group(args.name, code_name=args.code, description=args.description,
                                  condition=args.condition)
    group = groups.read_group(created.id)
    data = formatting.group_summary(group, detail=True)
    _emit(args, data, f"Created group '{group.display_name}' (code name {group.code_name}).")


def cmd_groups_delete(args: argparse.Namespace) -> None:
    group = groups.read_group_named(args.code)
    members = group.member_count
    groups.delete_group(group)
    _emit(args, {"deleted": group.code_name, "members": members},
          f"Deleted group '{group.display_name}' ({members:,} members).")


def cmd_members_list(args: argparse.Namespace) -> None:
    from store.contact_sets import ContactFilter

    group = groups.read_group_named(args.code)
    output = args.format or ("json" if getattr(args, "json", False) else "text")
    rows = listing.iter_members(group, ContactFilter(args.filter))
    if output == "json":
        print(json.dumps([row.as_dict() for row in rows], indent=2))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(formatting.MEMBER_COLUMNS)
        writer.writerows(formatting.member_cells(row) for row in rows)
    else:
        formatting.print_members(rows, sys.stdout)


def cmd_members_add(args: argparse.Namespace) -> None:
    group = groups.read_group_named(args.code)
    if args.account:
        ids = [accounts.get_account(name).id for name in args.account]
        added = accounts.add_accounts(group, ids)
        _emit(args, {"group": group.code_name, "accounts_added": added,
                     "members": groups.read_group_named(group.code_name).member_count},
              f"Added {formatting.plural(added, 'account')} to {group.code_name}.")
        return
    ids = args.contact or contacts.find_contact_ids_by_email(args.email)
    added = membership.add_contacts(group, Selection.of_ids(ids))
    _emit(args, {"group": group.code_name, "added": added,
                 "members": groups.read_group_named(group.code_name).member_count},
          f"Added {formatting.plural(added, 'contact')} to {group.code_name}.")


def cmd_members_remove(args: argparse.Namespace) -> None:
    group = groups.read_group_named(args.code)
    outsiders = 0
    if args.all:
        removed = membership.remove_all_contacts(group, exclude=args.exclude)
    elif args.exclude:
        removed, outsiders = membership.remove_and_exclude(group, args.contact)
    else:
        removed = membership.remove_contacts(group, Selection.of_ids(args.contact))
    suffix = " and excluded them" if args.exclude and removed else ""
    text = f"Removed {formatting.plural(removed, 'contact')} from {group.code_name}{suffix}."
    if outsiders:
        text += (f" Excluded {formatting.plural(outsiders, 'contact')} that "
                 f"{'was not a member' if outsiders == 1 else 'were not members'}: "
                 "rebuilds will not add them until re-included.")
    data = {"group": group.code_name, "removed": removed, "excluded": args.exclude,
            "members": groups.read_group_named(group.code_name).member_count}
    if args.exclude and not args.all:
        data["excluded_non_members"] = outsiders
    _emit(args, data, text)


def cmd_condition_check(args: argparse.Namespace) -> None:
    result = condition_service.report(args.expression, count=args.count)
    data: dict[str, Any] = {"valid": True, "display": result.display,
                            "translatable": result.translatable}
    lines = [result.display, *(f"Warning: {warning}" for warning in result.warnings)]
    if result.warnings:
        data["warnings"] = list(result.warnings)
    if not result.translatable:
        data["slow_reason"] = result.reason
        lines.append(f"Warning: evaluated contact by contact (slow): {result.reason}")
    if args.count:
        data["count"] = result.count
        lines.append(f"{formatting.plural(result.count or 0, 'contact')} match")
    if args.sql:
        data |= {"sql": result.sql, "params": [str(p) for p in result.params]}
        lines.append(f"SQL: {result.sql}" if result.sql else "SQL: none (not translatable)")
        lines.append(f"Parameters: {', '.join(repr(p) for p in result.params)}")
    if args.explain is not None:
        explanation = condition_service.explain_contact(args.expression, args.explain)
        data["explain"] = {"member": explanation.member, "tree": explanation.render()}
        lines.append(explanation.render())
    _emit(args, data, "\n".join(lines))


def cmd_rebuild(args: argparse.Namespace) -> None:
    if args.all:
        chosen = [g for g in groups.list_groups() if g.is_condition_based]
    else:
        chosen = [groups.read_group_named(code) for code in args.codes]
    results, failures = [], []
    token = rebuild.CancelToken()
    for group in group_graph.rebuild_order(chosen):
        try:
            with _cancelled_by_signals(token):
                result = _rebuild_with_progress(group, token)
        except rebuild.RebuildCancelled:
            raise StoreError(f"the rebuild of {group.code_name} was cancelled; its members "
                             "are unchanged" + (f" ({len(results)} rebuilt before it)"
                                                if results else "")) from None
        except StoreError as error:
            failures.append(f"{group.code_name}: {error}")
            continue
        results.append(result.as_dict())
        if not getattr(args, "json", False):
            print(formatting.rebuild_line(result.as_dict()), flush=True)
    if getattr(args, "json", False):
        print(json.dumps(results, indent=2))
    if failures:
        raise StoreError("rebuild failed for " + "; ".join(failures))


@contextlib.contextmanager
def _cancelled_by_signals(token: rebuild.CancelToken) -> Iterator[None]:
    """Ctrl+C, SIGTERM and SIGHUP (a dropped SSH connection) cancel the rebuild, which stops
    within a second and puts the group's status back. Left to Python, ctrl+c raised
    KeyboardInterrupt wherever it landed, e.g. inside SQLite's progress handler, which took
    it for the end of a time limit and went on."""
    def cancel(_signum: int, _frame: FrameType | None) -> None:
        token.cancel()

    watched = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, cancel) for sig in watched}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _rebuild_with_progress(group, token: rebuild.CancelToken | None = None
                           ) -> rebuild.RebuildResult:
    """Rebuild one group, drawing a progress line when stderr is a terminal."""
    line = formatting.ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
        return rebuild.rebuild_group(
            group, cancel=token,
            progress=(lambda f: line.update(group.code_name, f)) if line else None)
    finally:
        if line:
            line.finish()


def cmd_schedule(args: argparse.Namespace) -> None:
    group = groups.read_group_named(args.code)
    if args.on and not group.is_condition_based:
        raise StoreError(f"'{group.display_name}' has no condition: there is nothing to rebuild")
    task = scheduler.schedule_group(group, enabled=args.on, time_of_day=args.time)
    if task is None or not task.enabled:
        _emit(args, {"group": group.code_name, "enabled": False},
              f"Scheduled rebuild of {group.code_name} is off.")
        return
    _emit(args, {"group": group.code_name, "enabled": True, "time": task.time_of_day,
                 "task": task.name},
          f"{task.name}: daily at {task.time_of_day}.")


def cmd_scheduler(args: argparse.Namespace) -> None:
    def run(group) -> str:
        return formatting.rebuild_line(rebuild.rebuild_group(group).as_dict())

    if args.once:
        heartbeat.beat(heartbeat.ONCE)
        scheduler_loop.catch_up()
        outcomes = scheduler.run_due(run)
        for outcome in outcomes:
            print(f"{outcome.task}: {outcome.message}", flush=True)
        failed = [o for o in outcomes if not o.ok]
        if failed:
            raise StoreError(f"{formatting.plural(len(failed), 'scheduled rebuild')} failed")
        return
    scheduler_loop.run_forever(run)


def cmd_edition(args: argparse.Namespace) -> None:
    if args.value:
        settings.set_edition(args.value)
    current = settings.edition()
    _emit(args, {"edition": current}, f"Edition: {current}")
