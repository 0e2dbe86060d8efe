"""Contacts with their account links, activities and form submissions, a batch at a time.

Every value is drawn from the generator's one random stream, so the order of the draws below
is part of the data: the same seed gives the same demo only while it stays the same.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field

from store.demo.countries import Country
from store.demo.generator import Generator
from store.demo.pools import COUNT_BITS, TEMPLATE_BITS, TIME_BITS
from store.demo.shape import DORMANT_DAYS, DORMANT_SHARE, EMPLOYEE_SHARE, HISTORY_DAYS, MERGED_SHARE
from store.demo.vocabulary import JOB_TITLES
from store.demo.website import EVENTS, MESSAGES, SUBJECTS, TOPICS, WHITEPAPERS

# Where a contact row keeps the values a merged copy takes from its parent.
_CITY, _MERGED_INTO = 7, 16


@dataclass
class BatchRows:
    """The rows of one batch, one list per table, in load order."""

    contacts: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)
    submissions: list[tuple] = field(default_factory=list)
    fields: list[tuple] = field(default_factory=list)

    def tables(self) -> tuple[list[tuple], ...]:
        return self.contacts, self.links, self.activities, self.submissions, self.fields


def contact_batch(gen: Generator, start: int, stop: int, accounts: list[tuple],
                  employer: array, state: dict, vip: list[int]) -> tuple[list[tuple], ...]:
    """Contacts ``start``..``stop - 1`` with their account links, activities and forms.

    ``state`` carries the last form submission id from batch to batch; the ids of customers
    with three activities or more are added to ``vip``."""
    rows = BatchRows()
    for cid in range(start, stop):
        account_index = employer[cid]
        account = accounts[account_index - 1] if account_index else None
        copy = _merged_copy(gen, cid, rows.contacts) if account is None else None
        if copy is not None:
            rows.contacts.append(copy)
            continue
        country, gender, first, last = _person(gen, account)
        email = _email(gen, account, country, first, last)
        company, job, city = _workplace(gen, cid, account_index, account, country, rows.links)
        phone = _phone(gen, country)
        r = gen.random
        birthday = gen.birthdays[int(r() * len(gen.birthdays))] if r() < 0.7 else None
        status = gen.statuses[gen.bits(10)]
        count, created_day, last_day, score, created, modified = _history(gen)
        rows.contacts.append((cid, first, last, email, company, job, phone, city,
                              country.code if country else None,
                              country.name if country else None, gender, birthday, status,
                              score, created, modified, None))
        if status == "Customer" and count >= 3:
            vip.append(cid)
        _activities(gen, rows, state, cid, count, created_day, last_day,
                    (first, last, email, company, job))
    return rows.tables()


def _merged_copy(gen: Generator, cid: int, contacts: list[tuple]) -> tuple | None:
    """Now and then a duplicate of an earlier live contact of this batch, merged into it."""
    r = gen.random
    bits = gen.bits
    if not contacts or r() >= MERGED_SHARE / (1 - EMPLOYEE_SHARE):
        return None
    parent = contacts[int(r() * len(contacts))]
    if parent[_MERGED_INTO] is not None:
        return None
    first, last = parent[1], parent[2]
    email = f"{gen.ascii_of[first]}{bits(10)}@{gen.free_mail[bits(10)]}"
    created = gen.day_prefix[HISTORY_DAYS - int(r() * DORMANT_DAYS)] + gen.times[bits(TIME_BITS)]
    return (cid, first, last, email, None, None, None, parent[_CITY], parent[8], parent[9],
            parent[10], None, None, 0, created, created, parent[0])


def _person(gen: Generator, account: tuple | None) -> tuple[Country | None, int, str, str]:
    """Country, gender (0 unknown, 1 male, 2 female), first and last name: employees mostly
    from their account's country."""
    r = gen.random
    bits = gen.bits
    country = gen.countries[bits(12)] if (account is not None or r() < 0.94) else None
    if account is not None and r() < 0.8:
        country = account[6]
    area = gen.areas[country.area if country else "en"]
    g = bits(4)
    if g < 7:
        return country, 1, area.male[int(r() * len(area.male))], \
            area.last_male[int(r() * len(area.last_male))]
    if g < 14:
        last = area.last_female[int(r() * len(area.last_female))]
        return country, 2, area.female[int(r() * len(area.female))], last
    first = area.male[int(r() * len(area.male))] if r() < 0.5 else \
        area.female[int(r() * len(area.female))]
    return country, 0, first, area.last_male[int(r() * len(area.last_male))]


def _email(gen: Generator, account: tuple | None, country: Country | None, first: str,
           last: str) -> str | None:
    """At the company for most employees, else at a free or national provider; a few
    contacts have none."""
    r = gen.random
    bits = gen.bits
    ascii_of = gen.ascii_of
    if account is not None and r() < 0.75:
        domain = account[5]
        local = f"{ascii_of[first]}.{ascii_of[last]}" if r() < 0.7 else \
            f"{ascii_of[first][:1]}{ascii_of[last]}"
    else:
        if country is not None and country.mail_domains and r() < 0.3:
            domain = country.mail_domains[int(r() * len(country.mail_domains))]
        else:
            domain = gen.free_mail[bits(10)]
        style = bits(2)
        if style == 0:
            local = f"{ascii_of[first]}.{ascii_of[last]}"
        elif style == 1:
            local = f"{ascii_of[first]}{ascii_of[last]}{int(r() * 100)}"
        elif style == 2:
            local = f"{ascii_of[first][:1]}{ascii_of[last]}{1950 + int(r() * 56)}"
        else:
            local = f"{ascii_of[last]}.{ascii_of[first]}{int(r() * 1000)}"
    return f"{local}@{domain}" if r() < 0.97 else None


def _workplace(gen: Generator, cid: int, account_index: int, account: tuple | None,
               country: Country | None, links: list[tuple]) -> tuple[str | None, ...]:
    """Company, job title and city; an employee's link to the account goes to ``links``."""
    r = gen.random
    if account is None:
        city = country.cities[int(r() * len(country.cities))] if (
            country and r() < 0.9) else None
        return None, None, city
    job = JOB_TITLES[int(r() * len(JOB_TITLES))]
    city = account[2] if r() < 0.6 else (
        country.cities[int(r() * len(country.cities))] if country else None)
    links.append((account_index, cid, gen.roles[gen.bits(8)]))
    return account[1], job, city


def _phone(gen: Generator, country: Country | None) -> str | None:
    if country is not None and gen.random() < 0.6:
        return country.phone_format % tuple(f"{gen.bits(53):016d}")
    return None


def _history(gen: Generator) -> tuple[int, int, int, int, str, str]:
    """How many activities, the day the contact was created and the day of its last
    activity (days back from now), its score, and its created and modified timestamps.
    Dormant contacts did nothing in the last year."""
    r = gen.random
    bits = gen.bits
    day_prefix, times = gen.day_prefix, gen.times
    if r() < DORMANT_SHARE:
        created_day = DORMANT_DAYS + 1 + int(r() * (HISTORY_DAYS - DORMANT_DAYS))
        count = gen.dormant_counts[bits(COUNT_BITS)]
        last_day = DORMANT_DAYS + 1 + int(r() * (created_day - DORMANT_DAYS))
    else:
        created_day = 1 + int(r() * HISTORY_DAYS)
        count = gen.engaged_counts[bits(COUNT_BITS)]
        last_day = 1 + int(r() * min(created_day, DORMANT_DAYS - 1))
    score = count * (5 + bits(4)) if count else 0
    if count == 0:
        last_day = created_day
    created = day_prefix[created_day] + times[bits(TIME_BITS)]
    modified = day_prefix[last_day + int(r() * (created_day + 1 - last_day)) if r() < 0.3 else
                          last_day] + times[bits(TIME_BITS)]
    return count, created_day, last_day, score, created, max(created, modified)


def _activities(gen: Generator, rows: BatchRows, state: dict, cid: int, count: int,
                created_day: int, last_day: int, person: tuple) -> None:
    """``count`` activities: the most recent on ``last_day``, the others older, clustered in
    visits; a form submission brings its fields, an unsubscription an earlier subscription."""
    r = gen.random
    bits = gen.bits
    day_prefix, times, month_label = gen.day_prefix, gen.times, gen.month_label
    add_activity = rows.activities.append
    span = created_day - last_day
    day = last_day
    for k in range(count):
        if k and r() < 0.5:
            x = r()
            day = last_day + int(span * x * x)
        code, tail = gen.templates[bits(TEMPLATE_BITS)]
        at = day_prefix[day] + times[bits(TIME_BITS)]
        if code == 0:
            add_activity((cid, at) + tail)  # noqa: RUF005 (faster)
        elif code == 1:
            add_activity((cid, at, tail[0], tail[1], tail[2] + month_label[day] + ")",
                          tail[3], None))
        elif code == 2:
            add_activity((cid, at) + tail)  # noqa: RUF005 (faster)
            state["submission_id"] += 1
            rows.submissions.append((state["submission_id"], tail[2], cid, tail[1], at))
            rows.fields.extend(_form_fields(gen.rng, state["submission_id"], tail[2], *person))
        else:
            earlier = day + int(r() * (created_day - day + 1))
            add_activity((cid, day_prefix[earlier] + times[bits(TIME_BITS)],
                          "newslettersubscription", tail[1], tail[2], None, None))
            add_activity((cid, at) + tail)  # noqa: RUF005 (faster)


def _form_fields(rng: random.Random, submission_id: int, form: str, first: str, last: str,
                 email: str | None, company: str | None, job: str | None) -> list[tuple]:
    values: list[tuple[str, str | None]]
    if form == "ContactUs":
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Subject", rng.choice(SUBJECTS)), ("Message", rng.choice(MESSAGES))]
    elif form == "Newsletter":
        values = [("Email", email), ("FirstName", first), ("Topics", rng.choice(TOPICS)),
                  ("Consent", "true")]
    elif form == "DownloadWhitepaper":
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Company", company), ("JobTitle", job),
                  ("Whitepaper", rng.choice(WHITEPAPERS))]
    else:
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Event", rng.choice(EVENTS)), ("Attendees", str(1 + rng.getrandbits(1)))]
    return [(submission_id, name, value) for name, value in values if value is not None]
