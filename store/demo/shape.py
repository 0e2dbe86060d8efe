"""How big and how active the demo is: sizes, time spans, activity mixes and shares."""

from __future__ import annotations

MAX_CONTACTS = 20_000_000
BATCH_CONTACTS = 20_000
HISTORY_DAYS = 730
DORMANT_DAYS = 365

ACTIVITY_TYPES = (
    "pagevisit", "landingpage", "bizformsubmit", "newsletteropen", "newsletterclickthrough",
    "newslettersubscription", "newsletterunsubscription", "purchase", "userlogin",
    "filedownload", "internalsearch",
)

# Activity types with their share (per mille) of all activities.
TYPE_WEIGHTS = (
    ("pagevisit", 520), ("landingpage", 60), ("bizformsubmit", 35), ("newsletteropen", 140),
    ("newsletterclickthrough", 55), ("newslettersubscription", 30),
    ("newsletterunsubscription", 10), ("purchase", 35), ("userlogin", 65),
    ("filedownload", 30), ("internalsearch", 20),
)
assert tuple(t for t, _ in TYPE_WEIGHTS) == ACTIVITY_TYPES

# Activities per contact: engaged contacts (a tenth of whom never did anything) and
# dormant ones, whose activities all lie more than a year back.
ENGAGED_COUNTS = ((0, 10), (1, 12), (2, 12), (3, 11), (4, 10), (5, 8), (6, 7), (7, 6),
                  (8, 5), (10, 5), (12, 3.5), (15, 3), (20, 2.2), (30, 1.5), (45, 0.8),
                  (80, 0.4), (150, 0.15), (300, 0.05))
DORMANT_COUNTS = ((0, 45), (1, 20), (2, 13), (3, 9), (4, 6), (6, 4), (10, 3))
DORMANT_SHARE = 0.28
MERGED_SHARE = 0.005
EMPLOYEE_SHARE = 0.24  # of contacts linked to an account (about six per account)
