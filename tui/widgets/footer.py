"""A footer that shows whole keys only: the ones that fit, and always the help key.

Textual's footer lays every key out in one line and cuts the line at the screen's edge, so
at 80 columns the group editor's list ended in ``D Re▏`` and at 60 the help key itself was
gone. This one leaves out, from the end, the keys that do not fit whole; ``?`` (help) is
kept first, because it lists every key of the screen, shown here or not, and so is the
command palette's key on the right.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = frozenset({"help", "app.help"})
PALETTE_CLASS = "-command-palette"


def _width(key: FooterKey) -> int:
    """Columns a compact key takes: its key, a space and its description, a margin."""
    description = f" {key.description}" if key.description else ""
    return cell_len(key.key_display) + cell_len(description) + 1


class FittingFooter(Footer):
    """A compact :class:`~textual.widgets.Footer` whose keys never run off the screen."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())
        keys = [w for w in widgets
                if isinstance(w, FooterKey) and not w.has_class(PALETTE_CLASS)]
        palette = [w for w in widgets if w.has_class(PALETTE_CLASS)]
        room = self.app.size.width - sum(_width(w) + 1 for w in palette)  # its border
        kept: set[int] = set()
        for key in sorted(keys, key=lambda k: k.action not in HELP_ACTIONS):
            if _width(key) <= room:
                kept.add(id(key))
                room -= _width(key)
            elif key.action not in HELP_ACTIONS:
                break  # later keys would leave a gap where this one was
        yield from (w for w in widgets if id(w) in kept or w in palette
                    or not isinstance(w, FooterKey))

    def on_resize(self, _event: events.Resize) -> None:
        self.call_after_refresh(self.recompose)
