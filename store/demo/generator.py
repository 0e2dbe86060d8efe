"""The seeded generator with its precomputed pools, the accounts and who works where."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from array import array

from store.demo.countries import COUNTRIES
from store.demo.names import ascii_fold, language_areas
from store.demo.pools import COUNT_BITS, TEMPLATE_BITS, TIME_BITS, pool
from store.demo.shape import (
    DORMANT_COUNTS,
    DORMANT_DAYS,
    EMPLOYEE_SHARE,
    ENGAGED_COUNTS,
    HISTORY_DAYS,
    TYPE_WEIGHTS,
)
from store.demo.vocabulary import COMPANY_WORDS_A, COMPANY_WORDS_B, FREE_MAIL, ROLES, STATUSES
from store.demo.website import (
    EMAIL_LINKS,
    FILES,
    FORMS,
    LANDING_PAGES,
    NEWSLETTERS,
    PAGES,
    PRODUCTS,
    SEARCHES,
)


class Generator:
    """Draws every row from one seeded generator, in a fixed order."""

    def __init__(self, contacts: int, seed: int, now: dt.datetime) -> None:
        self.n = contacts
        self.rng = random.Random(f"contact-groups demo {seed}")
        rng = self.rng
        # The two draws every row makes, bound once: the per-contact functions use them.
        self.random = rng.random
        self.bits = rng.getrandbits
        # Day d (1..HISTORY_DAYS) back from now, as "YYYY-MM-DD " ready for a time of day.
        self.day_prefix = [""] + [
            (now - dt.timedelta(days=d)).strftime("%Y-%m-%d ")
            for d in range(1, HISTORY_DAYS + 1)]
        self.month_label = [""] + [
            (now - dt.timedelta(days=d)).strftime("%B %Y") for d in range(1, HISTORY_DAYS + 1)]
        hours = [(h, w) for h, w in zip(range(24), (
            1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 4, 4, 4, 3, 2, 1.5),
            strict=True)]
        self.times = [f"{h:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
                      for h in pool(rng, hours, TIME_BITS)]
        today = now.date()
        self.birthdays = [(today - dt.timedelta(days=d)).isoformat()
                          for d in range(18 * 365 + 5, 78 * 365)]
        self.countries = pool(rng, [(c, c.weight) for c in COUNTRIES], 12)
        self.areas = language_areas()
        self.ascii_of = {name: ascii_fold(name) for area in self.areas.values()
                         for name in (*area.male, *area.female, *area.last_male,
                                      *area.last_female)}
        self.free_mail = pool(rng, FREE_MAIL, 10)
        self.statuses = pool(rng, STATUSES, 10)
        self.roles = pool(rng, ROLES, 8)
        self.engaged_counts = pool(rng, ENGAGED_COUNTS, COUNT_BITS)
        self.dormant_counts = pool(rng, DORMANT_COUNTS, COUNT_BITS)
        self.templates = self._activity_templates()

    # Activity templates: (kind, (type, site, item, url, value)); kind says what the row
    # needs besides its contact and time: 0 nothing, 1 the e-mail's month in its item,
    # 2 a form submission, 3 an earlier subscription to the same newsletter.
    def _activity_templates(self) -> list[tuple[int, tuple]]:
        rng = self.rng
        types = pool(rng, TYPE_WEIGHTS, TEMPLATE_BITS)
        site_pool = pool(rng, [(1, 60), (2, 30), (3, 10)], 8)
        pages = pool(rng, PAGES, 10)
        landing = pool(rng, LANDING_PAGES, 8)
        newsletters = pool(rng, NEWSLETTERS, 8)
        forms = pool(rng, [(f, w) for f, (_, w) in FORMS.items()], 8)
        templates: list[tuple[int, tuple]] = []
        for kind in types:
            site = site_pool[rng.getrandbits(8)]
            item = url = value = None
            code = 0
            if kind == "pagevisit":
                url = pages[rng.getrandbits(10)]
            elif kind == "landingpage":
                url = landing[rng.getrandbits(8)]
            elif kind == "bizformsubmit":
                item = forms[rng.getrandbits(8)]
                url = FORMS[item][0]
                code = 2
            elif kind in ("newsletteropen", "newsletterclickthrough"):
                item = newsletters[rng.getrandbits(8)] + " ("
                if kind == "newsletterclickthrough":
                    url = rng.choice(EMAIL_LINKS)
                code = 1
            elif kind == "newslettersubscription":
                item = newsletters[rng.getrandbits(8)]
            elif kind == "newsletterunsubscription":
                item = newsletters[rng.getrandbits(8)]
                code = 3
            elif kind == "purchase":
                site = 3
                product, price = rng.choice(PRODUCTS)
                item = product
                value = round(price * rng.choice((1, 1, 1, 1, 2, 2, 3)), 2)
            elif kind == "filedownload":
                item = rng.choice(FILES)
                url = "/Campaign-assets/" + item
            elif kind == "internalsearch":
                item = rng.choice(SEARCHES)
                url = "/Search"
            templates.append((code, (kind, site, item, url, value)))
        return templates

    def accounts(self) -> list[tuple]:
        """(id, name, city, country_code, created, domain, country) for about n/25 accounts."""
        rng = self.rng
        count = max(1, round(self.n / 25)) if self.n >= 2 else 0
        seen: set[str] = set()
        rows = []
        for account_id in range(1, count + 1):
            country = self.countries[rng.getrandbits(12)]
            base = f"{rng.choice(COMPANY_WORDS_A)} {rng.choice(COMPANY_WORDS_B)}"
            city = rng.choice(country.cities)
            if base in seen:
                base = f"{base} {city}"
            suffix = 2
            unique = base
            while unique in seen:
                unique = f"{base} {suffix}"
                suffix += 1
            seen.add(unique)
            name = f"{unique} {rng.choice(country.legal_forms)}"
            domain = ascii_fold(unique) + country.tld
            created = self.day_prefix[rng.randint(DORMANT_DAYS, HISTORY_DAYS)] + \
                self.times[rng.getrandbits(TIME_BITS)]
            rows.append((account_id, name, city, country.code, created, domain, country))
        return rows

    def employment(self, accounts: list[tuple]) -> array:
        """The account (1-based; 0 for none) each contact id works for: every account gets
        at least two contacts, a few get many, and no contact works for two."""
        rng = self.rng
        employer = array("i", bytes(4 * (self.n + 1)))
        if not accounts:
            return employer
        wanted = min(self.n - self.n // 10, max(len(accounts) * 2,
                                                round(self.n * EMPLOYEE_SHARE)))
        chosen = rng.sample(range(1, self.n + 1), wanted)
        # Split the chosen contacts among accounts: 2 each, the rest by a skewed share.
        sizes = [2] * len(accounts)
        extra = wanted - 2 * len(accounts)
        weights = list(itertools.accumulate(min(12.0, rng.paretovariate(2.0)) for _ in accounts))
        for pick in rng.choices(range(len(accounts)), cum_weights=weights, k=extra):
            sizes[pick] += 1
        position = 0
        for account_index, size in enumerate(sizes):
            for contact_id in chosen[position:position + size]:
                employer[contact_id] = account_index + 1
            position += size
        return employer
