"""Marks on a list: which rows a bulk action acts on, without listing a million ids.

Marks take one of two forms, matching what the store can run as one SQL statement
(:class:`store.contact_sets.Selection`):

* **explicit** — the ids marked one by one (``space``); they do not depend on a filter;
* **all matching F** — every row matching the filter text F (as it was when ``a`` was
  pressed) except the ids unmarked since. Those ids always match F.

Changing the filter never changes what is marked. Explicit ids stay marked when the new
filter hides them (the table reports them as hidden). "All matching F" keeps meaning F:
a row shown under another filter counts as marked only if it matches F, and the status
text says the marks follow F. Operations that cannot be written as "these ids" or
"F minus these ids" are refused with :class:`MarksError`, whose message tells the user
what to do instead:

* toggling a row that does not match F while all-matching-F marks are active;
* inverting all-matching-F marks while the filter shows something else;
* inverting explicit marks while the filter hides some of them.

Invert acts on the rows the current filter G shows: explicit marks S (all visible)
become "all matching G except S", and "all matching G except E" becomes exactly E.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.contact_sets import Selection


class MarksError(ValueError):
    """An operation the marks cannot express; the message says why and what to do."""


def same_filter(first: str, second: str) -> bool:
    """Whether two filter texts select the same rows (case and spacing do not matter)."""
    return first.lower().split() == second.lower().split()


def _scope(filter_text: str) -> str:
    """What all-matching marks cover, in words."""
    words = " ".join(filter_text.split())
    return f"all rows matching '{words}'" if words else "all rows"


@dataclass(frozen=True)
class Marks(Selection):
    """Immutable marks; every operation returns new marks. They are the store's
    :class:`Selection` (a bulk action takes them as they are) with the list's operations.

    ``all_matching`` is ``None`` for explicit marks (``ids`` are the marked rows) or the
    filter text of all-matching marks (``ids`` are the rows unmarked since).
    """

    @property
    def is_empty(self) -> bool:
        """True for explicit marks with no ids (all-matching marks may still be empty
        when nothing matches, which only a count can tell)."""
        return not self.is_all and not self.ids

    def follows(self, filter_text: str) -> bool:
        """Whether these are all-matching marks made under ``filter_text``."""
        return self.all_matching is not None and same_filter(self.all_matching, filter_text)

    def is_marked(self, key: int, *, matches_marks_filter: bool = True) -> bool:
        """Whether row ``key`` is marked; for all-matching marks the caller says whether
        the row matches their filter (always true while the list shows that filter)."""
        if self.all_matching is None:
            return key in self.ids
        return matches_marks_filter and key not in self.ids

    def toggle(self, key: int, *, matches_marks_filter: bool = True) -> Marks:
        """Mark an unmarked row or unmark a marked one."""
        if self.all_matching is not None and not matches_marks_filter:
            raise MarksError(
                f"the marks are {_scope(self.all_matching)} and this row does not match: "
                "set that filter again, or clear the marks (u) first")
        return Marks(self.ids ^ {key}, self.all_matching)

    def invert(self, filter_text: str, *, marked_in_view: int) -> Marks:
        """Flip every row the filter ``filter_text`` shows.

        ``marked_in_view`` is how many explicit marks the filter shows (the caller learns it
        from the row source); it must be all of them.
        """
        if self.all_matching is None:
            hidden = len(self.ids) - marked_in_view
            if hidden:
                raise MarksError(
                    f"{hidden:,} marked row{'s are' if hidden != 1 else ' is'} hidden by the "
                    "filter; clear the filter to see them, or clear the marks (u) first")
            return Marks.matching(filter_text, self.ids)
        if not self.follows(filter_text):
            raise MarksError(
                f"the marks are {_scope(self.all_matching)}: set that filter again to invert "
                "them, or clear the marks (u)")
        return Marks.of_ids(self.ids)

    def count(self, total_matching: int) -> int:
        """How many rows are marked; ``total_matching`` is how many rows match the filter
        of all-matching marks (ignored for explicit marks)."""
        if self.all_matching is None:
            return len(self.ids)
        return max(total_matching - len(self.ids), 0)

    def describe(self, count: int, filter_text: str, *, hidden: int = 0) -> str:
        """A status-line phrase: how many are marked and what the marks mean.

        ``count`` comes from :meth:`count`; ``hidden`` is how many explicit marks the
        current filter ``filter_text`` hides.
        """
        if self.all_matching is None:
            if not self.ids:
                return ""
            text = f"{count:,} marked"
            return f"{text} ({hidden:,} hidden by the filter)" if hidden else text
        unmarked = f" except {len(self.ids):,}" if self.ids else ""
        text = f"{count:,} marked: {_scope(self.all_matching)}{unmarked}"
        if self.follows(filter_text):
            return text
        return f"{text} (not the current filter)"


NO_MARKS = Marks()
