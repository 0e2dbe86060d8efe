"""Sets of contacts as SQL, so that services act on them in single statements.

A service never receives a Python loop's worth of rows: it receives a subquery that
selects contact ids — a list the user marked (bound as one JSON parameter), every contact
matching a search, every member of a group — and hands it to INSERT … SELECT, UPDATE … WHERE
IN and DELETE … WHERE IN.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

import peewee as pw

from store.db.database import database_proxy, dialect
from store.db.models import Contact
from store.errors import StoreError


def id_list(ids: Iterable[int]) -> pw.Node:
    """A subquery selecting the given ids, bound as a single parameter on both engines."""
    values = sorted({_as_id(value) for value in ids})
    return pw.SQL(dialect().id_list(database_proxy.param), [json.dumps(values)])


def _as_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise StoreError(f"'{value}' is not a contact id (a whole number)") from None
    return value


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its own wildcards made literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def contains_ci(expression: pw.Node, text: str) -> pw.Node:
    """``expression`` contains ``text``, case-insensitively, wildcards literal (the
    engine's fastest way: see ``SqliteDialect.contains_folded``)."""
    return dialect().contains_folded(expression, like_pattern(text))


SEARCHED = (Contact.first_name, Contact.last_name, Contact.email, Contact.company,
            Contact.city, Contact.country_name)
"""The columns a word typed into a filter may appear in."""


@dataclass(frozen=True)
class ContactFilter:
    """What an admin types into a list's filter box.

    Every word must appear in one of :data:`SEARCHED`, so "smith gmail" finds John Smith at
    gmail.com. Every list, its all-matching marks and the export read the words alike.
    """

    text: str = ""

    def expression(self) -> pw.Node:
        """A WHERE expression on :class:`Contact`; ``TRUE`` for an empty filter."""
        condition: pw.Node = pw.SQL("1 = 1")
        for word in self.text.split():
            any_column = contains_ci(SEARCHED[0], word)
            for column in SEARCHED[1:]:
                any_column = any_column | contains_ci(column, word)
            condition = condition & any_column
        return condition


NO_FILTER = ContactFilter()


def live_contacts() -> pw.Node:
    """Contacts that are not merged into another: only they can be group members."""
    return Contact.merged_into.is_null()


def matching_contacts(contact_filter: ContactFilter) -> pw.SelectQuery:
    """Ids of live contacts matching ``contact_filter``."""
    return Contact.select(Contact.id).where(live_contacts() & contact_filter.expression())


@dataclass(frozen=True)
class Selection:
    """Which rows (contacts, or a group's accounts) a bulk action means: the ids marked one
    by one, or — ``all_matching`` set to a filter text — every row matching that filter
    except ``ids``, the rows unmarked since. It is what a list's marks hold
    (:class:`tui.selection.Marks` adds the operations on them), so an action runs on exactly
    the rows the list showed as marked, in one statement."""

    ids: frozenset[int] = frozenset()
    all_matching: str | None = None

    @classmethod
    def of_ids(cls, ids: Iterable[int] = ()) -> Self:
        return cls(frozenset(_as_id(value) for value in ids))

    @classmethod
    def matching(cls, filter_text: str = "", except_ids: Iterable[int] = ()) -> Self:
        return cls(frozenset(except_ids), filter_text)

    @property
    def is_all(self) -> bool:
        return self.all_matching is not None

    def contact_ids(self) -> pw.Node:
        """The selected ids as a subquery. Marked ids are bound as they are, without reading
        the contacts: matching rows that refer to contacts (memberships) needs only the ids,
        and a join through the contacts cost PostgreSQL three times the statement for
        100,000 marks."""
        if self.all_matching is None:
            return id_list(self.ids)
        return Contact.select(Contact.id).where(self.where())

    def where(self) -> pw.Node:
        """The selection as a WHERE expression on :class:`Contact`."""
        if self.all_matching is None:
            return Contact.id.in_(id_list(self.ids))
        expression = ContactFilter(self.all_matching).expression()
        if self.ids:
            expression = expression & Contact.id.not_in(id_list(self.ids))
        return expression
