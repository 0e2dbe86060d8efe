"""Errors the store reports to people.

Every failure a user can cause (a bad code name, an unknown contact, a wrong database URL)
is raised as :class:`StoreError` with a sentence meant to be printed as it is; the command
line prints it on one line and exits with status 2. Anything else is a bug.
"""


class StoreError(Exception):
    """A refusal or failure whose message is fit to show to an admin."""


class NotFound(StoreError):
    """A group, contact or account named by the user does not exist."""


class EditionError(StoreError):
    """The licence edition (``cms``) does not include the feature asked for."""
