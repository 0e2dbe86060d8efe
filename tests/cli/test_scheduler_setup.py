"""The README's ways of running the scheduler (issue 13 item 19), run as documented: the
cron line's command runs due rebuilds and records the heartbeat the UI shows; the systemd
unit's ExecStart keeps beating until SIGTERM stops it cleanly."""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import contacts, groups
from store.clock import utcnow
from store.db.database import close, connect
from store.db.models import ScheduledTask
from store.engine import heartbeat, scheduler
from tests.store.helpers import make_contacts

README = Path(__file__).resolve().parents[2] / "README.md"


def _fenced(language: str) -> str:
    (block,) = re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.DOTALL)
    return block


@pytest.fixture
def home(tmp_path) -> Path:
    """A home with contact-groups installed where the README says, and a due rebuild in the
    default database."""
    home = tmp_path / "home"
    bin_dir = home / "contact-groups" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "contact-groups").write_text(
        f"#!/bin/sh\ncd {Path(__file__).resolve().parents[2]}\n"
        f'exec {sys.executable} -m tui.cli "$@"\n')
    (bin_dir / "contact-groups").chmod(0o755)
    data = home / ".local" / "share" / "contact-groups"
    data.mkdir(parents=True)
    connect(f"sqlite:///{data / 'contact-groups.db'}")
    ids = make_contacts(3)
    contacts.update_contact(ids[0], city="Prague")
    group = groups.create_group("Praguers", condition='Contact.ContactCity == "Prague"')
    scheduler.schedule_group(group, True, "02:30")
    ScheduledTask.update(next_run_at=utcnow() - dt.timedelta(minutes=1)).execute()
    close()
    yield home
    connect(f"sqlite:///{data / 'contact-groups.db'}")
    close()


def _environment(home: Path) -> dict[str, str]:
    # cron's own: a bare PATH, HOME, a shell; nothing of the test's environment.
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "LANG": "C.UTF-8"}


def _reopen(home: Path) -> None:
    connect(f"sqlite:///{home / '.local/share/contact-groups/contact-groups.db'}")


def test_the_documented_cron_line(home):
    (line,) = [row for row in _fenced("cron").splitlines() if row.strip()]
    command = line.split(maxsplit=5)[5]  # after the five time fields
    done = subprocess.run(["/bin/sh", "-c", command], env=_environment(home),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Contact group 'Praguers' rebuild: Praguers: +1 -0" in done.stdout
    _reopen(home)
    assert groups.get_group("Praguers").member_count == 1
    state = heartbeat.state()
    assert state.alive and state.describe(dt.UTC).startswith("Scheduler run by cron")


def test_the_documented_systemd_unit(home):
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", _fenced("ini"), re.MULTILINE)
    argv = exec_start.replace("%h", str(home)).split()
    service = subprocess.Popen(argv, env=_environment(home), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        _reopen(home)
        for _ in range(600):
            if groups.get_group("Praguers").member_count == 1 and heartbeat.state().alive:
                break
            time.sleep(0.1)
        assert heartbeat.state().describe(dt.UTC).startswith("Scheduler running (pid ")
        close()
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    finally:
        if service.poll() is None:
            service.kill()
    _reopen(home)
    state = heartbeat.state()
    assert not state.alive and "No scheduler running (stopped" in state.describe(dt.UTC)
    assert "scheduler stopped" in service.stdout.read()
