"""The installed program in a real terminal: an admin removes members in bulk with keys."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from store import groups
from store.db.database import close, connect
from store.db.models import Membership

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


def test_keys_typed_ahead_of_the_screen_wait_for_it_in_tmux(tmp_path):
    """n and a name sent together, enter and ] sent together: nothing is lost (issue 13.14)."""
    url = f"sqlite:///{tmp_path / 'ahead.db'}"
    command = installed_command()
    subprocess.run([command, "--db", url, "groups", "create", "--name", "Friends"], check=True,
                   capture_output=True, timeout=60)
    terminal = Terminal(f"{command} --db {url}", width=80, height=24)
    try:
        terminal.wait_for("1 contact groups")
        terminal.burst("n", "Q", "u", "i", "c", "k", "Space", "g", "r", "o", "u", "p", "F2")
        terminal.wait_for("Saved")
        terminal.wait_for("Quick group (QuickGroup)")
        terminal.keys("Escape", "Escape")  # out of the name field, then back to the list
        terminal.wait_for("2 contact groups")
        terminal.keys("Home", pause=0.4)  # Friends, first by name
        terminal.burst("Enter", "]")
        shown = terminal.wait_for("Friends (Friends)")
        terminal.wait_for("Bulk:")  # the Contacts tab's bulk bar, not the General tab's form
        assert "Display name" not in terminal.screen(), shown
        terminal.keys("q")
        terminal.wait_for("2 contact groups")
        terminal.keys("q")
        terminal.wait_until_closed()
    finally:
        terminal.close()

    connect(url)
    try:
        assert [g.display_name for g in groups.list_groups()] == ["Friends", "Quick group"]
    finally:
        close()
