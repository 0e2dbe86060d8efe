"""Reading a CSV file as people and other systems write them.

UTF-8 with or without a byte order mark unless told another encoding; the delimiter is
sniffed from the header line (comma, semicolon or tab) unless given; a quoted value may hold
newlines, so every row is numbered by the line it starts on, which is what an editor shows.
Bytes that are not in the file's encoding do not stop the file: the rows holding them are
rejected with their line (:func:`row_problem`), like any other bad row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from store.errors import StoreError

DELIMITERS = (",", ";", "\t")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet would run as a formula at the start of a cell; exports prefix such a
cell with an apostrophe, and imports take the apostrophe off again (see :func:`unguard`)."""

csv.field_size_limit(16 * 1024 * 1024)


def guard(text: str) -> str:
    """The cell a spreadsheet shows as text: ``=1+1`` → ``'=1+1``."""
    return "'" + text if text.startswith(FORMULA_STARTS) or _is_guarded(text) else text


def unguard(text: str) -> str:
    """Undo :func:`guard`, so an exported file imports back to the same values."""
    return text[1:] if text[:1] == "'" and _is_guarded(text) else text


def _is_guarded(text: str) -> bool:
    return text.startswith("'") and text[1:2] != "" and (
        text[1:].startswith(FORMULA_STARTS) or _is_guarded(text[1:]))


@dataclass
class CsvRows:
    """An open CSV source: its header and its rows, each with the line it starts on."""

    header: list[str]
    delimiter: str
    reader: Iterator[list[str]]
    text: io.TextIOBase
    _line: int = 1  # the last physical line read

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self.reader
        while True:
            start = self._line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise StoreError(f"line {start}: {error}") from None
            self._line = reader.line_num + 1  # type: ignore[attr-defined]  # + the header
            if row:  # a blank line is no row
                yield start, row

    @property
    def position(self) -> int:
        """Bytes read so far (for progress), when the source can tell."""
        buffer = getattr(self.text, "buffer", None)
        try:
            return buffer.tell() if buffer is not None else 0
        except (OSError, ValueError):
            return 0


def open_csv(binary: BinaryIO, *, encoding: str | None = None,
             delimiter: str | None = None) -> CsvRows:
    """Open ``binary`` as CSV; the first row is the header."""
    chosen = encoding or "utf-8"
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise StoreError(f"unknown encoding '{chosen}'") from None
    if codecs.lookup(chosen).name == "utf-8":
        chosen = "utf-8-sig"  # takes a byte order mark off, if there is one
    text = io.TextIOWrapper(binary, encoding=chosen, errors="surrogateescape", newline="")
    first = text.readline()
    if row_problem([first], chosen):
        raise StoreError(f"the header line is not {chosen} text; say the file's encoding "
                         "with --encoding, e.g. --encoding cp1250")
    if not first.strip():
        raise StoreError("the file is empty: the first line must name the columns")
    if delimiter is not None and len(delimiter) != 1:
        raise StoreError("the delimiter must be one character (use '\\t' for tab)")
    chosen_delimiter = delimiter or sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=chosen_delimiter))
    header = [name.strip() for name in header]
    reader = csv.reader(text, delimiter=chosen_delimiter)
    return CsvRows(header, chosen_delimiter, reader, text)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header uses most (a comma when it uses none)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def row_problem(cells: list[str], encoding: str) -> str | None:
    """Why a row's text cannot be stored (bytes not in ``encoding``, a NUL), if so.

    Checked on the joined row at C speed: a million rows must not be walked per character.
    """
    joined = "".join(cells)
    if "\x00" in joined:
        return "contains a NUL character (code 0)"
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return f"not valid {encoding.removesuffix('-sig')} text (say --encoding, e.g. cp1250)"
    return None
