"""An in-memory row source that records what the table asks of it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from tui.widgets.row_source import Column


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


class FakeSource:
    """``count`` people named "Person <id>"; matching works like the store's filter (every
    word somewhere, case-insensitive). ``gate`` can hold page requests back."""

    columns = (
        Column("Name", 16, lambda person: person.name, min_width=6),
        Column("Email", 40, lambda person: person.email, min_width=10),
        Column("Id", 8, lambda person: str(person.id), min_width=4, align="right"),
    )

    def __init__(self, count: int, *, email_domain: str = "example.com") -> None:
        self.people = [Person(i, f"Person {i}", f"person{i}@{email_domain}")
                       for i in range(1, count + 1)]
        self.pages: list[tuple[int, int, str]] = []
        self.counts: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail_with: Exception | None = None

    def key(self, row: Person) -> int:
        return row.id

    def _matching(self, filter_text: str) -> list[Person]:
        words = filter_text.lower().split()
        return [p for p in self.people
                if all(w in f"{p.name} {p.email}".lower() for w in words)]

    def count(self, filter_text: str) -> int:
        self.counts.append(filter_text)
        return len(self._matching(filter_text))

    def page(self, offset: int, limit: int, filter_text: str) -> list[Person]:
        self.pages.append((offset, limit, filter_text))
        self.gate.wait(5)
        if self.fail_with is not None:
            raise self.fail_with
        return self._matching(filter_text)[offset:offset + limit]

    def matching(self, keys: Iterable[int], filter_text: str) -> set[int]:
        wanted = {p.id for p in self._matching(filter_text)}
        return {key for key in keys if key in wanted}
