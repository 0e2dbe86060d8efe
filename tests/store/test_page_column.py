"""``activity.page``: the page of each visit's URL, kept by the database, and VisitedPage
reading it (store.db.page_column)."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

from conditions import url_path
from store import contacts
from store.binding.condition_service import check_condition, compile_condition, count_matching
from store.clock import utcnow
from store.db import page_column
from store.db.database import database_proxy, dialect
from store.db.models import Activity

# Scheme, host, query, fragment, case and trailing slashes do not count; a URL beyond ASCII
# (in its host, or in its path) is compared exactly all the same.
TRICKY_URLS = (
    "", "/", "https://x", "https://x/", "https://x/A/B/", "HTTP://WWW.X.COM/P?q=/a#f",
    "/p#x?y", "/p?x#y", "a://b//c", "1a://b/c", "a b://c/d", "://x/y", "x:/y", "mailto:x",
    "https://h?x=/y", "https://h#/y", "ab+c.d-e://h/p//", "https://müller.de/Coffee/",
    "/Müsli", "/MÜSLI/", "https://x/ÅNGSTRÖM?s=1", "HTTPS://Ex.com/Coffee?utm=1#top",
)


def _random_urls(count: int, seed: int = 7) -> list[str]:
    """Short strings over the characters that steer the page's steps."""
    alphabet = "aZ:/?#.-+9hH é"
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            for _ in range(count)]


def test_sqlites_page_sql_is_url_path_for_every_ascii_url():
    """SQLite's page is built-in SQL standing in for ``url_path``: compared on 50,000
    random URLs, and URLs beyond ASCII get the marker instead."""
    connection = sqlite3.connect(":memory:")
    expression = page_column.sqlite_page(":url")
    for url in (*TRICKY_URLS, *_random_urls(50_000)):
        (page,) = connection.execute(f"SELECT {expression}", {"url": url}).fetchone()
        assert page == (url_path(url) if url.isascii() else page_column.NOT_ASCII), url
    assert connection.execute(f"SELECT {expression}", {"url": None}).fetchone() == (None,)


def _insert_visits(contact_id: int, urls: list[str | None], days_ago: int = 1) -> None:
    """Page visits written as another program writes them: plain SQL, no page given."""
    at = Activity.at.db_value(utcnow() - timedelta(days=days_ago))
    param = database_proxy.param
    for url in urls:
        database_proxy.execute_sql(
            f"INSERT INTO activity (contact_id, type, at, url) VALUES "
            f"({param}, 'PageVisit', {param}, {param})", (contact_id, at, url))


def test_the_database_computes_the_page_of_what_any_writer_inserts(db):
    contact = contacts.create_contact(first_name="Ada")
    urls = [*TRICKY_URLS, *_random_urls(500), None]
    _insert_visits(contact.id, urls)
    stored = database_proxy.execute_sql("SELECT url, page FROM activity ORDER BY id").fetchall()
    exact = not dialect().page_column.endswith("VIRTUAL")  # PostgreSQL stores exact pages
    for url, page in stored:
        if url is None:
            assert page is None
        elif exact or url.isascii():
            assert page == url_path(url), url
        else:
            assert page == page_column.NOT_ASCII, url


def test_visited_page_matches_every_spelling_of_the_page(db):
    """Each contact visited one spelling of a page; the condition finds exactly those whose
    URL names /Coffee, from the index, on either engine."""
    spellings = {
        "https://shop.example.com/Coffee/?utm_source=mail": True,
        "/COFFEE#beans": True,
        "https://müller.de/coffee": True,  # a host beyond ASCII, an ASCII page
        "/coffee/beans": False,
        "/cofee": False,
        "https://coffee.example.com/": False,
        None: False,
    }
    expected = set()
    for url, matches in spellings.items():
        contact = contacts.create_contact(first_name=str(url))
        _insert_visits(contact.id, [url])
        if matches:
            expected.add(contact.id)
    stale = contacts.create_contact(first_name="Last year")
    _insert_visits(stale.id, ["/Coffee"], days_ago=400)
    checked = check_condition('Contact.VisitedPage("/Coffee/", ToInt(365))')
    compiled = compile_condition(checked, utcnow())
    found = {row[0] for row in database_proxy.execute_sql(
        compiled.select(compiled.id_column), compiled.params)}
    assert found == expected
    assert count_matching(checked) == len(expected)


def test_a_page_beyond_ascii_is_compared_in_any_case(db):
    upper, lower, other = (contacts.create_contact(first_name=n) for n in ("U", "L", "O"))
    _insert_visits(upper.id, ["https://x.cz/MÜSLI/"])
    _insert_visits(lower.id, ["/müsli?x=1"])
    _insert_visits(other.id, ["/musli"])
    assert count_matching(check_condition('Contact.VisitedPage("/Müsli", ToInt(30))')) == 2
