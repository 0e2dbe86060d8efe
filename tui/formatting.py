"""Plain-text rendering for the command line: tables, key/value blocks, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from store.rows import GroupRow, MemberRow

MEMBER_COLUMNS = ("id", "first_name", "last_name", "email", "country", "condition_based",
                  "from_account", "manual")


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _iso_utc(value: dt.datetime | None) -> str | None:
    """A stored naive-UTC time for JSON readers: ISO 8601 with its zone."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def group_summary(group: GroupRow, *, detail: bool = False) -> dict[str, Any]:
    """What a user wants to know about a group, as plain data for text or JSON."""
    data: dict[str, Any] = {
        "code": group.code_name,
        "name": group.display_name,
        "condition_based": group.is_condition_based,
        "members": group.member_count,
        "status": group.status,
        "last_rebuilt": _iso_utc(group.last_rebuild_at),
        "scheduled": bool(group.schedule_enabled),
    }
    if detail:
        data |= {
            "description": group.description,
            "condition": group.condition,
            "schedule_time": group.schedule_time,
            "status_message": group.status_message,
            "last_rebuild_seconds": (None if group.last_rebuild_seconds is None
                                     else round(group.last_rebuild_seconds, 3)),
            "last_added": group.last_added,
            "last_removed": group.last_removed,
        }
    return data


def duration(seconds: float | None) -> str:
    """``0.01 s``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``: as exact as a person reads."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def local_moment(value: dt.datetime | None, zone: dt.tzinfo, *, with_zone: bool = True
                 ) -> str:
    """A stored naive-UTC time on the installation's wall clock, with its zone's name."""
    if value is None:
        return ""
    shape = "%Y-%m-%d %H:%M %Z" if with_zone else "%Y-%m-%d %H:%M"
    return value.replace(tzinfo=dt.UTC).astimezone(zone).strftime(shape)


def group_details(group: GroupRow, condition: str, zone: dt.tzinfo) -> str:
    """``groups show`` as text: labelled lines, the condition as its sentence, times
    local, the last rebuild in words."""
    last = None
    if group.last_rebuild_at is not None:
        last = (f"{local_moment(group.last_rebuild_at, zone)}, took "
                f"{duration(group.last_rebuild_seconds)}: "
                f"+{group.last_added or 0:,} -{group.last_removed or 0:,}")
    lines = {
        "Code name": group.code_name,
        "Display name": group.display_name,
        "Description": group.description,
        "Condition": condition,
        "Members": group.member_count,
        "Status": group.status + (f": {group.status_message}" if group.status_message else ""),
        "Last rebuild": last or "never",
        "Scheduled": f"daily at {group.schedule_time}" if group.schedule_enabled else "No",
    }
    return key_values({key: value for key, value in lines.items() if value not in ("", None)})


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Left-aligned columns, numbers right-aligned; empty input gives the headers only."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in cells[1:]) and len(cells) > 1
               for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [value.rjust(w) if num else value.ljust(w)
                 for value, w, num in zip(row, widths, numeric, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _is_number(text: str) -> bool:
    return text.replace(",", "").isdigit()


def groups_table(groups: list[GroupRow], zone: dt.tzinfo) -> str:
    if not groups:
        return "No contact groups yet. Create one with: contact-groups groups create --name NAME"
    rebuilt = "Last rebuilt (" + dt.datetime.now(zone).strftime("%Z") + ")"
    return table(
        ("Code name", "Display name", "Condition", "Members", "Status", rebuilt, "Scheduled"),
        ((g.code_name, g.display_name, g.is_condition_based, g.member_count, g.status,
          local_moment(g.last_rebuild_at, zone, with_zone=False), bool(g.schedule_enabled))
         for g in groups),
    )


def key_values(data: dict[str, Any]) -> str:
    width = max(len(key) for key in data)
    return "\n".join(f"{key:<{width}}  {_cell(value)}" for key, value in data.items())


def member_cells(row: MemberRow) -> tuple[Any, ...]:
    return (row.contact_id, row.first_name, row.last_name, row.email, row.country,
            "Yes" if row.from_condition else "No", "Yes" if row.from_account else "No",
            "Yes" if row.manual else "No")


MEMBER_TEXT_COLUMNS = (("ID", 9), ("First name", 14), ("Last name", 16), ("Email", 32),
                       ("Country", 15), ("Condition", 9), ("Account", 7), ("Manual", 6))


def print_members(rows: Iterable[MemberRow], out: TextIO) -> None:
    """Stream members as fixed-width text, so a huge group prints steadily from row one."""
    def line(values: Sequence[Any]) -> str:
        cells = []
        for value, (_, width) in zip(values, MEMBER_TEXT_COLUMNS, strict=True):
            text = _cell(value) if not isinstance(value, int) else str(value)
            text = text if len(text) <= width else text[: width - 1] + "…"
            cells.append(text.rjust(width) if isinstance(value, int) else text.ljust(width))
        return "  ".join(cells).rstrip() + "\n"

    out.write(line([title for title, _ in MEMBER_TEXT_COLUMNS]).replace("       ID", "ID       "))
    count = 0
    for row in rows:
        out.write(line(member_cells(row)))
        count += 1
    out.write(f"{plural(count, 'member')}\n")


def rebuild_line(result: dict[str, Any]) -> str:
    """``InactiveContacts: +12 -3, 1,234 members in 0.42 s``."""
    return (f"{result['group']}: +{result['added']:,} -{result['removed']:,}, "
            f"{plural(result['members'], 'member')} in {result['seconds']:.2f} s")


def demo_summary(data: dict[str, Any]) -> str:
    parts = [f"{key.replace('_', ' ')}: {_cell(value)}" for key, value in data.items()
             if key not in ("seconds", "rebuilt")]
    lines = [f"Demo data created in {data.get('seconds', 0):.1f} s — " + ", ".join(parts)]
    lines += [f"Rebuilt {rebuild_line(result)}" for result in data.get("rebuilt", [])]
    return "\n".join(lines)


class ProgressLine:
    """A single self-overwriting status line for a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def update(self, phase: str, fraction: float) -> None:
        filled = int(max(0.0, min(1.0, fraction)) * 30)
        self.out.write(f"\r{phase:<28} [{'#' * filled}{'.' * (30 - filled)}] "
                       f"{fraction:>4.0%}")
        self.out.flush()

    def finish(self) -> None:
        self.out.write("\r" + " " * 70 + "\r")
        self.out.flush()
