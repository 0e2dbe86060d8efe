"""What every tab of the group editor shares."""

from __future__ import annotations

from textual.containers import Vertical

from store.models import ContactGroup


class GroupTab(Vertical):
    """A tab showing one group. The editor calls :meth:`show_group` whenever it has re-read
    the group (after a save, a rebuild, or another process's change)."""

    group: ContactGroup | None = None

    def show_group(self, group: ContactGroup) -> None:
        self.group = group

    def has_unsaved_changes(self) -> bool:
        return False
