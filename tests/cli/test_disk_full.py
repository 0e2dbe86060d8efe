"""A full disk during a write (issue 13): the user is told the disk is full, and nothing
changed — not "cannot rollback - no transaction is active", SQLite's later error.

Two ways to fill a disk: SQLite's ``max_page_count`` pragma (anywhere, but it fails the
statement that grows the file) and a real 3 MB tmpfs (root only; the commit itself fails,
as on a real full disk, which is where SQLite ends the transaction on its own).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from store import groups
from store.db.database import close, connect, translate_errors
from store.engine import rebuild
from store.errors import StoreError
from tests.store.helpers import make_contacts

from .run import assert_clean_failure, cli

CONDITION = 'Contact.ContactLastName.StartsWith("Last")'


def test_a_rebuild_on_a_file_that_may_not_grow(sqlite_db):
    make_contacts(2000)
    group = groups.create_group("Everyone", condition=CONDITION)
    pages = sqlite_db.handle.execute_sql("PRAGMA page_count").fetchone()[0]
    sqlite_db.handle.execute_sql(f"PRAGMA max_page_count = {pages}")
    with (pytest.raises(StoreError, match="the disk is full; nothing was changed"),
          translate_errors(sqlite_db.handle.display_url)):
        rebuild.rebuild_group(group)
    assert groups.get_group("Everyone").member_count == 0


@pytest.fixture
def tiny_disk(tmp_path) -> Path:
    """A 3 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the max_page_count test covers the rest")
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        close()
        subprocess.run(["umount", str(mount)], check=True)


def test_a_disk_that_fills_up_at_commit(tiny_disk):
    url = f"sqlite:///{tiny_disk / 'cg.db'}"
    assert cli(url, "demo", "--contacts", "300").code == 0
    assert cli(url, "groups", "create", "--name", "Adults", "--condition",
               "Contact.ContactAge > 3").code == 0
    free = os.statvfs(tiny_disk)
    # Room for the rebuild's first writes but not for its 225 members and their audit rows
    # (two integers each since the compact audit: 120 kB was enough for them).
    (tiny_disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 48 * 1024))
    result = cli(url, "rebuild", "Adults")
    assert_clean_failure(result, "the disk is full")
    connect(url)
    assert groups.get_group("Adults").member_count == 0
