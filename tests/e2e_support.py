"""Driving the installed ``contact-groups`` in a real terminal (tmux), as an admin would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path


def installed_command() -> str:
    """The console script next to the interpreter running the tests (the installed one)."""
    candidate = Path(sys.executable).with_name("contact-groups")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("contact-groups")
    if found is None:
        raise RuntimeError("contact-groups is not installed in this environment")
    return found


class Terminal:
    """A tmux session of a fixed size running one command."""

    def __init__(self, command: str, width: int = 100, height: int = 30,
                 env: dict[str, str] | None = None) -> None:
        self.name = f"cg-{uuid.uuid4().hex[:8]}"
        self.socket = f"cg-test-{os.getpid()}-{self.name}"
        environment = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        self._tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                   f"{environment} {command}".strip())

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=20)
        return done.stdout

    def keys(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            time.sleep(pause)

    def burst(self, *keys: str) -> None:
        """Send ``keys`` in one tmux command: they reach the program together, as keys
        typed faster than its screen follows."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.name, "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.02)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def alive(self) -> bool:
        done = subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", self.name],
                              capture_output=True, timeout=20)
        return done.returncode == 0

    def wait_until_closed(self, timeout: float = 15.0) -> None:
        """The program (and so its session) ended, as it does when the admin quits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.1)
        raise AssertionError(f"the program is still running; the screen shows:\n"
                             f"{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")
