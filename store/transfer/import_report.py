"""What an import tells its user: rows read, written, refused (with line and reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

Progress = Callable[[int, int], None]
"""Called now and then with (rows read, bytes read) while a file is read."""


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """The outcome of one import; with ``dry_run`` nothing of it was kept."""

    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    new_custom_fields: list[str] = field(default_factory=list)
    groups_changed: dict[str, tuple[int, int]] = field(default_factory=dict)
    groups_needing_rebuild: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(Rejected(line, reason))

    def finish(self, seconds: float) -> None:
        """Rejections in file order (duplicates are found after the other checks)."""
        self.rejected.sort(key=lambda rejected: rejected.line)
        self.seconds = seconds

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["rejected"] = [{"line": r.line, "reason": r.reason} for r in self.rejected]
        data["groups_changed"] = {code: {"added": added, "removed": removed}
                                  for code, (added, removed) in self.groups_changed.items()}
        return data

    def lines(self) -> list[str]:
        """The report as text: a summary, then every rejected line in file order."""
        verb = "would be" if self.dry_run else "were"
        rows = f"{self.read:,} row{'' if self.read == 1 else 's'}"
        summary = (f"{self.kind}: {rows} read; {self.inserted:,} new, "
                   f"{self.updated:,} updated, {self.unchanged:,} unchanged {verb} imported, "
                   f"{len(self.rejected):,} rejected ({self.seconds:.1f} s)")
        lines = [summary + (" — dry run, nothing was written" if self.dry_run else "")]
        if self.new_custom_fields:
            lines.append("New custom fields: " + ", ".join(self.new_custom_fields))
        lines += [f"Group {code}: +{added:,} -{removed:,}"
                  for code, (added, removed) in self.groups_changed.items()]
        lines += [f"Group {code} needs a rebuild (its condition is evaluated contact by "
                  "contact)" for code in self.groups_needing_rebuild]
        lines += [f"Rejected {rejected}" for rejected in self.rejected]
        return lines
