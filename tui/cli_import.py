"""``import`` commands: CSV files of contacts, accounts, activities, form submissions.

The report goes to stdout (JSON with ``--json``); progress goes to stderr, as a
self-overwriting bar on a terminal and as plain lines otherwise. The exit status is 0 when
every row was imported, 1 when some rows were rejected (the others landed), 2 when the file
was refused as a whole.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import BinaryIO, TextIO

from store.errors import StoreError
from store.transfer.contact_import import CsvOptions
from store.transfer.import_report import ImportReport, Progress

EXIT_REJECTED = 1
PLAIN_EVERY = 100_000


class ProgressMeter:
    """Rows read, rows per second and (when the size is known) time left."""

    def __init__(self, out: TextIO, size: int | None, terminal: bool) -> None:
        self.out, self.size, self.terminal = out, size, terminal
        self.started = time.monotonic()
        self.last_plain = 0

    def __call__(self, rows: int, position: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = rows / elapsed
        if not self.terminal:
            if rows - self.last_plain >= PLAIN_EVERY:
                self.last_plain = rows
                print(f"read {rows:,} rows ({rate:,.0f} rows/s)", file=self.out, flush=True)
            return
        fraction = position / self.size if self.size and position else None
        bar, eta = "", ""
        if fraction:
            filled = int(min(fraction, 1.0) * 30)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:>4.0%} "
            eta = f", {elapsed / fraction - elapsed:,.0f} s left"
        self.out.write(f"\r{bar}{rows:,} rows, {rate:,.0f} rows/s{eta}   ")
        self.out.flush()

    def finish(self) -> None:
        if self.terminal:
            self.out.write("\r" + " " * 78 + "\r")
            self.out.flush()


@contextmanager
def _opened(path: str):
    """The file (or stdin for ``-``) as bytes, with its size when it has one."""
    if path == "-":
        yield sys.stdin.buffer, None
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror}") from None
    try:
        yield handle, os.fstat(handle.fileno()).st_size
    finally:
        handle.close()


def csv_options(args: argparse.Namespace, progress: Progress | None) -> CsvOptions:
    mapping = {}
    for item in args.map or []:
        header, equals, target = item.partition("=")
        if not equals or not header.strip():
            raise StoreError(f"--map '{item}' is not HEADER=FIELD (HEADER= ignores a column)")
        mapping[header.strip()] = target
    delimiter = {"tab": "\t", "\\t": "\t"}.get(args.delimiter, args.delimiter)
    return CsvOptions(encoding=args.encoding, delimiter=delimiter, mapping=mapping,
                      dry_run=args.dry_run, new_fields=getattr(args, "new_fields", False),
                      progress=progress)


def run_import(args: argparse.Namespace,
               importer: Callable[[BinaryIO, CsvOptions], ImportReport]) -> int:
    """Open the file, import it with a progress meter, print the report."""
    with _opened(args.file) as (binary, size):
        meter = ProgressMeter(sys.stderr, size, sys.stderr.isatty())
        try:
            report = importer(binary, csv_options(args, meter))
        finally:
            meter.finish()
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print("\n".join(report.lines()))
    return EXIT_REJECTED if report.rejected else 0


def cmd_import_contacts(args: argparse.Namespace) -> int:
    from store.transfer.contact_import import import_contacts

    return run_import(args, lambda binary, options: import_contacts(
        binary, options, key=args.key))


def cmd_import_related(args: argparse.Namespace) -> int:
    from store.transfer.related_import import import_related

    return run_import(args, lambda binary, options: import_related(
        args.action, binary, options, key=args.key or ""))


def cmd_import_kentico(args: argparse.Namespace) -> int:
    """Migrate, then rebuild the condition groups (each in its own transaction)."""
    from pathlib import Path

    from store.engine import rebuild
    from store.transfer import kentico
    from tui.formatting import rebuild_line

    report = kentico.migrate(Path(args.folder), kentico.zone_named(args.timezone),
                             encoding=args.encoding, dry_run=args.dry_run)
    if not args.dry_run:
        report.rebuilt = kentico.rebuild_groups(
            lambda group: rebuild_line(rebuild.rebuild_group(group).as_dict()))
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print("\n".join(report.lines()))
    return EXIT_REJECTED if report.refused or any(
        t.rejected for t in report.tables.values()) else 0
