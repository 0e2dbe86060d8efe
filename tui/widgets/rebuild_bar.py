"""A one-line progress bar for a group's rebuild: this process's own, or another's."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class RebuildBar(Horizontal):
    """Shows ``Rebuilding… [#####....] 45%  escape cancels`` while a rebuild runs."""

    def compose(self) -> ComposeResult:
        yield Label("Rebuilding ", id="rebuild-label")
        yield ProgressBar(total=1.0, show_eta=False, id="rebuild-progress")
        yield Label("", id="rebuild-hint")

    def show(self, fraction: float | None, *, ours: bool) -> None:
        """``fraction`` None hides the bar."""
        self.set_class(fraction is not None, "-running")
        if fraction is None:
            return
        self.query_one(ProgressBar).update(progress=fraction)
        self.query_one("#rebuild-hint", Label).update(
            "  escape cancels" if ours else "  (another session or the scheduler)")
