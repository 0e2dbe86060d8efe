"""Who is making a change: the OS user, as the audit log records it."""

import getpass
import os


def current_actor() -> str:
    """The OS user name; over SSH that is the admin who logged in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"
