"""The program as admins really use it: over an SSH connection to a local sshd, in a
terminal. The admin opens the help, rebuilds a group with a key and quits."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from store import groups
from store.db.database import close, connect

from .e2e_support import Terminal, installed_command

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sshd(tmp_path: Path):
    """A throwaway sshd on a loopback port that lets this user in with a fresh key."""
    if not Path(SSHD).exists() or shutil.which("tmux") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but sshd or tmux is missing (.ci/run installs them)")
        pytest.skip("needs sshd (Debian openssh-server) and tmux")
    if os.geteuid() != 0:
        pytest.skip("the test sshd runs as root (as in CI) to let this user log in")
    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)],
                       check=True)
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    port = _free_port()
    config = tmp_path / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {keys / 'host'}",
        f"AuthorizedKeysFile {keys / 'authorized_keys'}", "PermitRootLogin prohibit-password",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "StrictModes no", f"PidFile {tmp_path / 'sshd.pid'}", "AcceptEnv LANG LC_*",
    ]) + "\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"sshd did not start: {server.stderr.read() if server.stderr else ''}")
    try:
        yield port, keys / "client"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_rebuild_over_ssh(sshd, tmp_path):
    port, key = sshd
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    command = installed_command()
    subprocess.run([command, "--db", url, "demo", "--contacts", "1500"], check=True,
                   capture_output=True, timeout=120)
    ssh = (f"ssh -tt -p {port} -i {key} -o StrictHostKeyChecking=no "
           f"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {os.environ.get('USER', 'root')}"
           f"@127.0.0.1 'TERM=xterm-256color {command} --db {url}'")
    terminal = Terminal(ssh, width=80, height=24)
    try:
        terminal.wait_for("3 contact groups", timeout=30)
        terminal.keys("?")
        terminal.wait_for("Keys — Contact groups")
        terminal.keys("Escape", pause=0.5)
        terminal.keys("R")  # the first group, Inactive contacts, is condition-based
        terminal.wait_for("Rebuilt 'Inactive contacts'")
        terminal.keys("q")
        terminal.wait_until_closed()
    finally:
        terminal.close()
    connect(url)
    try:
        inactive = groups.get_group("InactiveContacts")
        assert inactive.status == "Ready" and inactive.last_rebuild_at is not None
    finally:
        close()
