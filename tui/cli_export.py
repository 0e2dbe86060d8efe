"""``export members CODE FILE`` and ``export contacts FILE``: CSV or JSON by the file's
extension (``--format`` for standard output, ``-``). A file is written beside its final name
and renamed when complete, so a failed export never leaves half a file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from store import export, groups
from store.contact_sets import ContactFilter
from store.errors import StoreError
from tui import formatting


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.file).suffix.lower().lstrip(".")
    if suffix in export.FORMATS:
        return suffix
    if args.file == "-":
        return "csv"
    raise StoreError(f"cannot tell the format of '{args.file}': name it .csv or .json, "
                     "or give --format csv|json")


def _export(args: argparse.Namespace, group=None) -> None:
    output_format = _format(args)
    contact_filter = ContactFilter(args.filter)
    if args.file == "-":
        export.write(sys.stdout, output_format, contact_filter, group)
        return
    target = Path(args.file)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = export.write(out, output_format, contact_filter, group)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {args.file}: {error.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    what = f"members of {group.code_name}" if group else "contacts"
    print(f"Exported {formatting.plural(count, 'row')} ({what}) to {args.file}.")


def cmd_export_members(args: argparse.Namespace) -> None:
    _export(args, groups.get_group(args.code))


def cmd_export_contacts(args: argparse.Namespace) -> None:
    _export(args)
