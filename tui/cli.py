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

from store import settings
from store.db.database import connect, default_url, translate_errors
from store.engine import locks
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
    _add_contact_commands(commands, common)
    _add_import_commands(commands, common)
    _add_export_commands(commands, common)
    return parser


def _add_export_commands(commands: argparse._SubParsersAction,
                         common: argparse.ArgumentParser) -> None:
    """``export members CODE FILE`` and ``export contacts FILE``."""
    module = "tui.cli_export"
    export_cmd = commands.add_parser("export", parents=[common],
                                     help="export contacts or members as CSV or JSON")
    kinds = export_cmd.add_subparsers(dest="action", metavar="WHAT", required=True,
                                      parser_class=Parser)
    members = kinds.add_parser("members", parents=[common],
                               help="a group's members, with why each is in")
    members.add_argument("code")
    members.set_defaults(handler=f"{module}:cmd_export_members")
    contacts = kinds.add_parser("contacts", parents=[common], help="live contacts")
    contacts.set_defaults(handler=f"{module}:cmd_export_contacts")
    for parser in (members, contacts):
        parser.add_argument("file", metavar="FILE", help="FILE.csv or FILE.json; - for "
                            "standard output")
        parser.add_argument("--format", choices=("csv", "json"),
                            help="default: from the file's extension")
        parser.add_argument("--filter", default="", help="only contacts matching these words")


def _add_import_commands(commands: argparse._SubParsersAction,
                         common: argparse.ArgumentParser) -> None:
    """``import KIND FILE``: CSV files in, reported line by line."""
    module = "tui.cli_import"
    import_cmd = commands.add_parser("import", parents=[common], help="import CSV files")
    kinds = import_cmd.add_subparsers(dest="action", metavar="KIND", required=True,
                                      parser_class=Parser)
    contacts = _import_parser(kinds, common, "contacts", "contacts (upsert by email or id)")
    contacts.add_argument("--key", choices=("email", "id"), default="email",
                          help="what identifies an existing contact (default: email; "
                               "id keeps the file's ids)")
    contacts.add_argument("--new-fields", action="store_true",
                          help="create custom fields for columns no field has")
    contacts.set_defaults(handler=f"{module}:cmd_import_contacts")
    accounts = _import_parser(kinds, common, "accounts", "accounts (upsert by name or id)")
    accounts.add_argument("--key", choices=("name", "id"), default="name",
                          help="what identifies an existing account (default: name)")
    links = _import_parser(kinds, common, "account-contacts",
                           "contacts' accounts (AccountID or AccountName, ContactID or "
                           "ContactEmail, role)")
    activities = _import_parser(kinds, common, "activities", "activities (appended)")
    activities.add_argument("--key", choices=("id",), default=None,
                            help="id: keep the file's ids and skip ids already present")
    forms = _import_parser(kinds, common, "form-submissions",
                           "form submissions (contact, form, time; other columns are the "
                           "form's fields)")
    kentico = kinds.add_parser("kentico", parents=[common],
                               help="migrate a folder of Kentico's raw table exports")
    kentico.add_argument("folder", metavar="DIR", help="OM_Contact.csv, OM_Account.csv, … "
                         "exported with database column names")
    kentico.add_argument("--timezone", required=True, metavar="ZONE",
                         help="the Kentico server's time zone, e.g. Europe/Prague")
    kentico.add_argument("--encoding", help="the files' encoding (default: UTF-8)")
    kentico.add_argument("--dry-run", action="store_true",
                         help="check and report without writing anything")
    kentico.set_defaults(handler=f"{module}:cmd_import_kentico")
    for parser in (accounts, links, activities, forms):
        parser.set_defaults(handler=f"{module}:cmd_import_related", key=parser.get_default(
            "key"))


def _import_parser(kinds: argparse._SubParsersAction, common: argparse.ArgumentParser,
                   name: str, what: str) -> argparse.ArgumentParser:
    parser = kinds.add_parser(name, parents=[common], help=f"import {what}")
    parser.add_argument("file", metavar="FILE", help="a CSV file, or - for standard input")
    parser.add_argument("--map", action="append", metavar="HEADER=FIELD",
                        help="read column HEADER as FIELD (HEADER= ignores it); repeatable")
    parser.add_argument("--encoding", help="the file's encoding (default: UTF-8, BOM or not)")
    parser.add_argument("--delimiter", help="',', ';' or tab (default: sniffed)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check and report without writing anything")
    return parser


def _add_contact_commands(commands: argparse._SubParsersAction,
                          common: argparse.ArgumentParser) -> None:
    """``contacts``, ``activities``, ``forms``: changing contacts from scripts."""
    module = "tui.cli_contacts"
    assign = "FIELD=VALUE"
    contact_cmd = commands.add_parser("contacts", parents=[common], help="add, update, delete, "
                                      "merge, show, list contacts")
    sub = contact_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                     parser_class=Parser)
    add = sub.add_parser("add", parents=[common], help="create a contact "
                         "(e.g. email=jana@example.com first_name=Jana city=Brno)")
    add.add_argument("fields", nargs="+", metavar=assign)
    add.set_defaults(handler=f"{module}:cmd_contacts_add")
    update = sub.add_parser("update", parents=[common], help="change a contact's fields")
    update.add_argument("id", type=_contact_id)
    update.add_argument("fields", nargs="+", metavar=assign)
    update.set_defaults(handler=f"{module}:cmd_contacts_update")
    delete = sub.add_parser("delete", parents=[common], help="delete contacts")
    delete.add_argument("ids", nargs="+", type=_contact_id, metavar="ID")
    delete.set_defaults(handler=f"{module}:cmd_contacts_delete")
    merge = sub.add_parser("merge", parents=[common], help="merge contacts into a parent")
    merge.add_argument("parent", type=_contact_id)
    merge.add_argument("children", nargs="+", type=_contact_id, metavar="CHILD")
    merge.set_defaults(handler=f"{module}:cmd_contacts_merge")
    show = sub.add_parser("show", parents=[common], help="a contact's fields and groups")
    show.add_argument("id", type=_contact_id)
    show.set_defaults(handler=f"{module}:cmd_contacts_show")
    listing = sub.add_parser("list", parents=[common], help="list contacts")
    listing.add_argument("--filter", default="", help="only contacts matching these words")
    listing.add_argument("--limit", type=_positive_int, default=50)
    listing.set_defaults(handler=f"{module}:cmd_contacts_list")

    activity_cmd = commands.add_parser("activities", parents=[common],
                                       help="log what a contact did")
    activity_sub = activity_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                               parser_class=Parser)
    log = activity_sub.add_parser("log", parents=[common], help="log an activity")
    log.add_argument("contact", type=_contact_id, metavar="CONTACT_ID")
    log.add_argument("type", help="activity type code name, e.g. pagevisit, purchase")
    log.add_argument("--at", help="when (ISO date-time, UTC unless it has an offset)")
    log.add_argument("--item", help="what it was done to (a page, a newsletter, a form)")
    log.add_argument("--url")
    log.add_argument("--value", type=float, help="e.g. the amount of a purchase")
    log.set_defaults(handler=f"{module}:cmd_activities_log")

    form_cmd = commands.add_parser("forms", parents=[common], help="record form submissions")
    form_sub = form_cmd.add_subparsers(dest="action", metavar="ACTION", required=True,
                                       parser_class=Parser)
    submit = form_sub.add_parser("submit", parents=[common], help="record a submitted form")
    submit.add_argument("contact", type=_contact_id, metavar="CONTACT_ID")
    submit.add_argument("form", help="the form's code name")
    submit.add_argument("fields", nargs="*", metavar=assign)
    submit.add_argument("--at", help="when (ISO date-time, UTC unless it has an offset)")
    submit.set_defaults(handler=f"{module}:cmd_forms_submit")


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
        db = connect(url, announce=lambda notice: print(f"contact-groups: {notice}",
                                                          file=sys.stderr, flush=True))
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
            module, _, name = args.handler.rpartition(":")
            handler = getattr(importlib.import_module(module or "tui.cli_commands"), name)
            return handler(args) or 0
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
