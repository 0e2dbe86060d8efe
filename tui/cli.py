"""The ``contact-groups`` command line (SPEC §8): the parser and the entry point.

Every command prints plain text, or JSON with ``--json``. Anything a user can get wrong ends
as one line on stderr and exit status 2, with nothing changed: services validate before they
write and write in one transaction. The commands live in :mod:`tui.cli_commands`, loaded only
when a command runs, so opening the terminal UI does not pay for them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from store import locks, settings
from store.database import connect, default_url, translate_errors
from store.errors import StoreError

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
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    demo = commands.add_parser("demo", parents=[common], help="fill an empty database with "
                               "realistic demo data")
    demo.add_argument("--contacts", type=_positive_int, default=5_000)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(handler="cmd_demo")

    group_cmd = commands.add_parser("groups", parents=[common], help="list, show, create, "
                                    "delete contact groups")
    group_sub = group_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                         parser_class=Parser)
    group_sub.add_parser("list", parents=[common], help="list groups").set_defaults(
        handler="cmd_groups_list")
    show = group_sub.add_parser("show", parents=[common], help="show one group")
    show.add_argument("code")
    show.set_defaults(handler="cmd_groups_show")
    create = group_sub.add_parser("create", parents=[common], help="create a group")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--code", help="code name (default: derived from the display name)")
    create.add_argument("--description", default="")
    create.add_argument("--condition", help="macro condition (K#); empty for a static group")
    create.set_defaults(handler="cmd_groups_create")
    delete = group_sub.add_parser("delete", parents=[common], help="delete a group")
    delete.add_argument("code")
    delete.set_defaults(handler="cmd_groups_delete")

    member_cmd = commands.add_parser("members", parents=[common], help="list, add, remove "
                                     "members of a group")
    member_sub = member_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                           parser_class=Parser)
    mlist = member_sub.add_parser("list", parents=[common], help="list members")
    mlist.add_argument("code")
    mlist.add_argument("--format", choices=("text", "csv", "json"), default=None)
    mlist.add_argument("--filter", default="", help="only members matching these words")
    mlist.set_defaults(handler="cmd_members_list")
    add = member_sub.add_parser("add", parents=[common], help="add contacts or accounts")
    add.add_argument("code")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--contact", nargs="+", action="extend", type=_contact_id,
                     metavar="ID")
    who.add_argument("--email", nargs="+", action="extend", metavar="ADDR")
    who.add_argument("--account", nargs="+", action="extend", metavar="NAME")
    add.set_defaults(handler="cmd_members_add")
    remove = member_sub.add_parser("remove", parents=[common], help="remove members")
    remove.add_argument("code")
    which = remove.add_mutually_exclusive_group(required=True)
    which.add_argument("--contact", nargs="+", action="extend", type=_contact_id,
                       metavar="ID")
    which.add_argument("--all", action="store_true", help="remove every member")
    remove.add_argument("--exclude", action="store_true",
                        help="keep them out until re-included (rebuilds will not add them)")
    remove.set_defaults(handler="cmd_members_remove")

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
    check.set_defaults(handler="cmd_condition_check")

    rebuild = commands.add_parser("rebuild", parents=[common],
                                  help="rebuild condition-based groups now")
    targets = rebuild.add_mutually_exclusive_group(required=True)
    targets.add_argument("codes", nargs="*", default=[], metavar="CODE")
    targets.add_argument("--all", action="store_true",
                         help="every condition-based group, dependencies first")
    rebuild.set_defaults(handler="cmd_rebuild")

    schedule = commands.add_parser("schedule", parents=[common],
                                   help="turn a group's daily rebuild on or off, or set its time")
    schedule.add_argument("code")
    switch = schedule.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", action="store_true", help="rebuild daily")
    switch.add_argument("--off", action="store_true", help="no scheduled rebuild")
    schedule.add_argument("--time", metavar="HH:MM",
                          help="local time (default: a random time between 02:00 and 06:00)")
    schedule.set_defaults(handler="cmd_schedule")

    run_scheduler = commands.add_parser("scheduler", parents=[common],
                                        help="run due scheduled rebuilds (foreground)")
    run_scheduler.add_argument("--once", action="store_true",
                               help="run what is due now and exit (for cron)")
    run_scheduler.set_defaults(handler="cmd_scheduler")

    edition = commands.add_parser("edition", parents=[common],
                                  help="show or set the licence edition (ems or cms)")
    edition.add_argument("value", nargs="?", choices=settings.EDITIONS)
    edition.set_defaults(handler="cmd_edition")
    return parser


class _PrintVersion(argparse.Action):
    """``--version``, looked up only when asked: reading the package metadata costs the
    terminal UI's start a tenth of a second."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("contact-groups")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "(not installed)"
        print(f"{parser.prog} {found}")
        parser.exit(0)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


MAX_ID = 2**63 - 1  # the largest id either engine stores


def _contact_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"'{text}' is not a contact id")
    return value


# --- entry point -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    refusal = _unstorable_argument(args)
    if refusal is not None:
        print(f"contact-groups: {refusal}; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "handler", None) is None and not args.command and not _on_a_terminal():
        print("contact-groups: the terminal UI needs a terminal (stdin and stdout); "
              "give a command to use it from a script (see contact-groups --help)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        url = getattr(args, "db", None) or default_url()
        db = connect(url)
        if not db.read_only:
            with translate_errors(db.display_url):
                locks.recover_interrupted()
        if getattr(args, "handler", None) is None:
            if args.command:  # a command group without its action
                parser.parse_args([args.command, "--help"])
            from tui.app import run_app

            run_app()
            return 0
        with translate_errors(db.display_url):
            handler = getattr(importlib.import_module("tui.cli_commands"), args.handler)
            handler(args)
    except StoreError as error:
        invalid = getattr(error, "error", None)  # an invalid condition: show where it is wrong
        if invalid is not None:
            print(f"contact-groups: invalid condition: {invalid}", file=sys.stderr)
            print(_indent(invalid.caret), file=sys.stderr)
            return EXIT_USAGE
        print(f"contact-groups: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("contact-groups: interrupted; nothing was changed by the unfinished step",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader (head, less) went away: not an error
    return 0


def _unstorable_argument(args: argparse.Namespace) -> str | None:
    """Why an argument cannot reach the database (a NUL, a byte that is not UTF-8), if so.

    Checked once here, before any command runs: such text would otherwise fail deep in the
    database driver. The database URL is a file name and may hold any bytes.
    """
    from conditions.values import unstorable_character

    for name, value in vars(args).items():
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            found = unstorable_character(text) if isinstance(text, str) else None
            if name != "db" and found is not None:
                return f"the {name.replace('_', ' ')} argument contains {found[1]}"
    return None


def _on_a_terminal() -> bool:
    """Whether the UI can run: it reads keys from stdin and draws on stdout; without a
    terminal it would wait on input that never comes, spinning the CPU."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
