"""The installed program in a real terminal: an admin removes members in bulk with keys."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from store import groups
from store.database import close, connect
from store.models import Membership

from .e2e_support import Terminal, installed_command
from .store.helpers import audit_trail

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_bulk_removal_with_keys_in_tmux(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    command = installed_command()
    subprocess.run([command, "--db", url, "demo", "--contacts", "2000"], check=True,
                   capture_output=True, timeout=120)
    connect(url)
    vip = groups.get_group("VIPCustomers")
    before = vip.member_count
    close()

    terminal = Terminal(f"{command} --db {url}", width=100, height=30)
    try:
        terminal.wait_for("3 contact groups")
        terminal.keys("Down", "Down", pause=0.4)  # groups are listed by name: VIP is last
        terminal.keys("Enter")
        terminal.wait_for("VIP customers (VIPCustomers)")
        terminal.keys("]")
        terminal.wait_for(f"of {before:,}")
        terminal.wait_for("@")  # the rows themselves (their emails), not only the count:
        # space on a row still loading rings the bell and marks nothing
        terminal.keys("Space", "Space", "Space")
        terminal.wait_for("3 marked")
        terminal.keys("d")
        terminal.wait_for("Remove (y)")
        terminal.keys("y")
        shown = terminal.wait_for("Removed 3 contacts")
        assert f"{before - 3:,} members" in terminal.wait_for(f"{before - 3:,} members"), shown
        terminal.keys("q")
        terminal.wait_for("contact groups")
        terminal.keys("q")
    finally:
        terminal.close()

    connect(url)
    try:
        vip = groups.get_group("VIPCustomers")
        assert vip.member_count == before - 3
        assert Membership.select().where(Membership.group == vip.id).count() == before - 3
        removed = [event for event in audit_trail(vip) if event[1] == "removed"]
        assert len(removed) == 3 and {source for _, _, source, _ in removed} == {"manual"}
    finally:
        close()
