"""Demo data: a realistic, deterministic contact database for trying the product out.

``generate_demo(contacts, seed)`` fills an empty database with sites, accounts (companies),
contacts from a skewed mix of countries, about five activities per contact over the last two
years (many contacts dormant for a year, a few very active), form submissions with their
field values, a few merged contacts, and three sample groups made through the store's own
services so that their audit trail and member counts are right.

The same seed gives the same data; only the anchor ``now`` (today at midnight UTC unless
given) moves the timestamps. Speed matters: a million contacts with five million activities
load in well under two minutes into SQLite. Rows are plain tuples drawn from precomputed
pools (timestamps are concatenated from precomputed day and time-of-day strings in the form
peewee stores), inserted in large batches by one bulk loader with an SQLite implementation
(multi-row INSERTs, no fsync or foreign-key lookups during the load, the indexes that rows
would hit at random dropped and rebuilt by one sort each) and a PostgreSQL one (``COPY …
FROM STDIN``). For big demos a second process generates the rows while this one inserts
them. Everything runs in one transaction, so a failure leaves the database as it was.

The package's modules: ``generate`` (the entry point and the load), ``stream`` (the rows in
load order, from this process or a second one), ``generator`` and ``contacts`` (drawing the
rows), ``loaders`` (bulk loading per engine), ``groups`` (the sample groups) and the data the
rows are drawn from: ``shape``, ``names``, ``countries``, ``vocabulary``, ``website``.
"""

from store.demo.generate import (
    ACCOUNT_COLUMNS,
    ACTIVITY_COLUMNS,
    CONTACT_COLUMNS,
    FIELD_COLUMNS,
    LINK_COLUMNS,
    SUBMISSION_COLUMNS,
    DemoSummary,
    Progress,
    generate_demo,
)
from store.demo.groups import INACTIVE_CONDITION
from store.demo.shape import (
    ACTIVITY_TYPES,
    BATCH_CONTACTS,
    DORMANT_DAYS,
    HISTORY_DAYS,
    MAX_CONTACTS,
)

__all__ = [
    "ACCOUNT_COLUMNS", "ACTIVITY_COLUMNS", "ACTIVITY_TYPES", "BATCH_CONTACTS", "CONTACT_COLUMNS",
    "DORMANT_DAYS", "FIELD_COLUMNS", "HISTORY_DAYS", "INACTIVE_CONDITION", "LINK_COLUMNS",
    "MAX_CONTACTS", "SUBMISSION_COLUMNS", "DemoSummary", "Progress", "generate_demo",
]
