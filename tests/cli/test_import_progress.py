"""What an import shows while it reads: a bar with rows/s and time left on a terminal,
plain lines elsewhere (logs, pipes)."""

from __future__ import annotations

import io

from tui import cli_import
from tui.cli_import import ProgressMeter


def test_a_terminal_gets_one_line_with_rate_and_time_left():
    out = io.StringIO()
    meter = ProgressMeter(out, size=1000, terminal=True)
    meter(10_000, 250)
    shown = out.getvalue()
    assert shown.startswith("\r[") and "25%" in shown
    assert "10,000 rows" in shown and "rows/s" in shown and "s left" in shown
    meter.finish()
    assert out.getvalue().endswith("\r")


def test_elsewhere_a_plain_line_now_and_then(monkeypatch):
    monkeypatch.setattr(cli_import, "PLAIN_EVERY", 20_000)
    out = io.StringIO()
    meter = ProgressMeter(out, size=None, terminal=False)
    for rows in (10_000, 20_000, 30_000, 40_000):
        meter(rows, 0)
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["read 20,000 rows", "read 40,000 rows"]
    assert "\r" not in out.getvalue()
