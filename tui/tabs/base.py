"""What every tab of the group editor shares."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widget import Widget

from store.rows import GroupRow


class GroupTab(Vertical):
    """A tab showing one group. The editor calls :meth:`show_group` whenever it has re-read
    the group (after a save, a rebuild, or another process's change)."""

    group: GroupRow | None = None

    def show_group(self, group: GroupRow) -> None:
        self.group = group

    def has_unsaved_changes(self) -> bool:
        return False

    def take_focus(self, widget: Widget) -> None:
        """Focus ``widget`` when the tab is shown, so the keys act on the tab, not on the
        tab bar; unless focus is in the tab already, or the admin has moved on to another
        tab by the time the Show event arrives (focusing would pull the editor back: a
        focused pane becomes the active tab)."""
        if self.has_focus_within:
            return
        if all(node.display for node in self.ancestors_with_self if isinstance(node, Widget)):
            widget.focus()
