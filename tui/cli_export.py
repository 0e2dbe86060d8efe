"""``export members CODE FILE`` and ``export contacts FILE``: CSV or JSON by the file's
extension (``--format``; ``-`` writes standard output)."""

from __future__ import annotations

import argparse
import sys

from store import groups
from store.contact_sets import ContactFilter
from store.transfer import export
from tui import formatting


def _export(args: argparse.Namespace, group=None) -> None:
    contact_filter = ContactFilter(args.filter)
    if args.file == "-":
        export.write(sys.stdout, args.format or "csv", contact_filter, group)
        return
    count = export.export_to_file(args.file, contact_filter, group, args.format)
    what = f"members of {group.code_name}" if group else "contacts"
    print(f"Exported {formatting.plural(count, 'row')} ({what}) to {args.file}.")


def cmd_export_members(args: argparse.Namespace) -> None:
    _export(args, groups.read_group_named(args.code))


def cmd_export_contacts(args: argparse.Namespace) -> None:
    _export(args)
