"""Running the installed command line as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def cli(url: str, *args: str, env: dict[str, str] | None = None,
        stdin: str | None = None) -> Result:
    """``contact-groups --db URL ARGS…`` with the interpreter running the tests."""
    return run_cli("--db", url, *args, env=env, stdin=stdin)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
            stdin: str | None = None) -> Result:
    """``contact-groups ARGS…`` as given (no ``--db``), ``stdin`` (or nothing) as its
    input, output captured."""
    environment = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], input=stdin or "",
        capture_output=True, text=True, timeout=timeout, env=environment,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def assert_clean_failure(result: Result, *fragments: str) -> None:
    """Exit 2, one line on stderr naming the problem, no traceback, nothing on stdout."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
