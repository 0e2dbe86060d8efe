"""The ``contact-groups`` command line (SPEC §8).

Every command prints plain text, or JSON with ``--json``. Anything a user can get wrong ends
as one line on stderr and exit status 2, with nothing changed: services validate before they
write and write in one transaction.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from store import (
    accounts,
    condition_service,
    contacts,
    group_graph,
    groups,
    listing,
    locks,
    membership,
    rebuild,
    scheduler,
    settings,
)
from store.contact_sets import Selection
from store.database import connect, default_url, translate_errors
from store.errors import StoreError
from tui import formatting, scheduler_loop

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors, as every other error of the command line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL: sqlite:///file.db or postgresql://user@host/db "
                             "(default: $CONTACT_GROUPS_DB or a file in your data directory)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text")
    return common


def build_parser() -> Parser:
    common = _common_options()
    parser = Parser(prog="contact-groups", parents=[common],
                    description="Segment contacts into contact groups. "
                                "Without a command, opens the terminal UI.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    demo = commands.add_parser("demo", parents=[common], help="fill an empty database with "
                               "realistic demo data")
    demo.add_argument("--contacts", type=_positive_int, default=5_000)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(handler=cmd_demo)

    group_cmd = commands.add_parser("groups", parents=[common], help="list, show, create, "
                                    "delete contact groups")
    group_sub = group_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                         parser_class=Parser)
    group_sub.add_parser("list", parents=[common], help="list groups").set_defaults(
        handler=cmd_groups_list)
    show = group_sub.add_parser("show", parents=[common], help="show one group")
    show.add_argument("code")
    show.set_defaults(handler=cmd_groups_show)
    create = group_sub.add_parser("create", parents=[common], help="create a group")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--code", help="code name (default: derived from the display name)")
    create.add_argument("--description", default="")
    create.add_argument("--condition", help="macro condition (K#); empty for a static group")
    create.set_defaults(handler=cmd_groups_create)
    delete = group_sub.add_parser("delete", parents=[common], help="delete a group")
    delete.add_argument("code")
    delete.set_defaults(handler=cmd_groups_delete)

    member_cmd = commands.add_parser("members", parents=[common], help="list, add, remove "
                                     "members of a group")
    member_sub = member_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                           parser_class=Parser)
    mlist = member_sub.add_parser("list", parents=[common], help="list members")
    mlist.add_argument("code")
    mlist.add_argument("--format", choices=("text", "csv", "json"), default=None)
    mlist.add_argument("--filter", default="", help="only members matching these words")
    mlist.set_defaults(handler=cmd_members_list)
    add = member_sub.add_parser("add", parents=[common], help="add contacts or accounts")
    add.add_argument("code")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--contact", nargs="+", type=_contact_id, metavar="ID")
    who.add_argument("--email", nargs="+", metavar="ADDR")
    who.add_argument("--account", nargs="+", metavar="NAME")
    add.set_defaults(handler=cmd_members_add)
    remove = member_sub.add_parser("remove", parents=[common], help="remove members")
    remove.add_argument("code")
    which = remove.add_mutually_exclusive_group(required=True)
    which.add_argument("--contact", nargs="+", type=_contact_id, metavar="ID")
    which.add_argument("--all", action="store_true", help="remove every member")
    remove.add_argument("--exclude", action="store_true",
                        help="keep them out until re-included (rebuilds will not add them)")
    remove.set_defaults(handler=cmd_members_remove)

    condition_cmd = commands.add_parser("condition", parents=[common],
                                        help="check a macro condition")
    condition_sub = condition_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                                 parser_class=Parser)
    check = condition_sub.add_parser("check", parents=[common],
                                     help="check a condition; exit 0 if valid, 2 if not")
    check.add_argument("expression", metavar="EXPR")
    check.add_argument("--count", action="store_true", help="count the matching live contacts")
    check.add_argument("--sql", action="store_true", help="print the compiled query")
    check.add_argument("--explain", type=_contact_id, metavar="CONTACT_ID",
                       help="show every sub-expression's value for one contact")
    check.set_defaults(handler=cmd_condition_check)

    rebuild = commands.add_parser("rebuild", parents=[common],
                                  help="rebuild condition-based groups now")
    targets = rebuild.add_mutually_exclusive_group(required=True)
    targets.add_argument("codes", nargs="*", default=[], metavar="CODE")
    targets.add_argument("--all", action="store_true",
                         help="every condition-based group, dependencies first")
    rebuild.set_defaults(handler=cmd_rebuild)

    schedule = commands.add_parser("schedule", parents=[common],
                                   help="turn a group's daily rebuild on or off, or set its time")
    schedule.add_argument("code")
    switch = schedule.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", action="store_true", help="rebuild daily")
    switch.add_argument("--off", action="store_true", help="no scheduled rebuild")
    schedule.add_argument("--time", metavar="HH:MM",
                          help="local time (default: a random time between 02:00 and 06:00)")
    schedule.set_defaults(handler=cmd_schedule)

    run_scheduler = commands.add_parser("scheduler", parents=[common],
                                        help="run due scheduled rebuilds (foreground)")
    run_scheduler.add_argument("--once", action="store_true",
                               help="run what is due now and exit (for cron)")
    run_scheduler.set_defaults(handler=cmd_scheduler)

    edition = commands.add_parser("edition", parents=[common],
                                  help="show or set the licence edition (ems or cms)")
    edition.add_argument("value", nargs="?", choices=settings.EDITIONS)
    edition.set_defaults(handler=cmd_edition)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _contact_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a contact id") from None


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
    rows = [formatting.group_summary(group) for group in groups.list_groups()]
    _emit(args, rows, lambda: formatting.groups_table(rows))


def cmd_groups_show(args: argparse.Namespace) -> None:
    data = formatting.group_summary(groups.get_group(args.code), detail=True)
    _emit(args, data, lambda: formatting.key_values(data))


def cmd_groups_create(args: argparse.Namespace) -> None:
    group = groups.create_group(args.name, code_name=args.code, description=args.description,
                                condition=args.condition)
    data = formatting.group_summary(group, detail=True)
    _emit(args, data, f"Created group '{group.display_name}' (code name {group.code_name}).")


def cmd_groups_delete(args: argparse.Namespace) -> None:
    group = groups.get_group(args.code)
    members = group.member_count
    groups.delete_group(group)
    _emit(args, {"deleted": group.code_name, "members": members},
          f"Deleted group '{group.display_name}' ({members} members).")


def cmd_members_list(args: argparse.Namespace) -> None:
    from store.contact_sets import ContactFilter

    group = groups.get_group(args.code)
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
    group = groups.get_group(args.code)
    if args.account:
        ids = [accounts.get_account(name).id for name in args.account]
        added = accounts.add_accounts(group, ids)
        _emit(args, {"group": group.code_name, "accounts_added": added,
                     "members": groups.get_group(group.code_name).member_count},
              f"Added {formatting.plural(added, 'account')} to {group.code_name}.")
        return
    ids = args.contact or contacts.find_contact_ids_by_email(args.email)
    added = membership.add_contacts(group, Selection.of_ids(ids))
    _emit(args, {"group": group.code_name, "added": added,
                 "members": groups.get_group(group.code_name).member_count},
          f"Added {formatting.plural(added, 'contact')} to {group.code_name}.")


def cmd_members_remove(args: argparse.Namespace) -> None:
    group = groups.get_group(args.code)
    if args.all:
        removed = membership.remove_all_contacts(group, exclude=args.exclude)
    else:
        removed = membership.remove_contacts(group, Selection.of_ids(args.contact),
                                             exclude=args.exclude)
    suffix = " and excluded them" if args.exclude and removed else ""
    _emit(args, {"group": group.code_name, "removed": removed, "excluded": args.exclude,
                 "members": groups.get_group(group.code_name).member_count},
          f"Removed {formatting.plural(removed, 'contact')} from {group.code_name}{suffix}.")


def cmd_condition_check(args: argparse.Namespace) -> None:
    result = condition_service.report(args.expression, count=args.count)
    data: dict[str, Any] = {"valid": True, "display": result.display,
                            "translatable": result.translatable}
    lines = [result.display]
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
        chosen = [groups.get_group(code) for code in args.codes]
    results, failures = [], []
    for group in group_graph.rebuild_order(chosen):
        try:
            result = _rebuild_with_progress(group)
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


def _rebuild_with_progress(group) -> rebuild.RebuildResult:
    """Rebuild one group, drawing a progress line when stderr is a terminal."""
    line = formatting.ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
        return rebuild.rebuild_group(
            group, progress=(lambda f: line.update(group.code_name, f)) if line else None)
    finally:
        if line:
            line.finish()


def cmd_schedule(args: argparse.Namespace) -> None:
    group = groups.get_group(args.code)
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


# --- entry point -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    url = getattr(args, "db", None) or default_url()
    try:
        db = connect(url)
        if getattr(args, "handler", None) is None:
            if args.command:  # a command group without its action
                parser.parse_args([args.command, "--help"])
            from tui.app import run_app

            run_app()
            return 0
        with translate_errors(db.display_url):
            if not db.read_only:
                locks.recover_interrupted()
            args.handler(args)
    except condition_service.InvalidCondition as invalid:
        print(f"contact-groups: invalid condition: {invalid.error}", file=sys.stderr)
        print(_indent(invalid.error.caret), file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(f"contact-groups: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("contact-groups: interrupted; nothing was changed by the unfinished step",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader (head, less) went away: not an error
    return 0


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
