"""Time from launching ``contact-groups`` to its first screen, in a real terminal (tmux).

Baseline in the same run: a bare Textual app that shows one line, started the same way, so
the figure separates our start-up from Python's and Textual's own.

    python benchmarks/tui_startup.py [--db URL] [--runs 5]

Without --db it makes a demo database of 20,000 contacts in a temporary directory.
Figures are printed, never asserted (target: first screen under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e_support import Terminal, installed_command

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare app ready")
Bare().run()
"""


def time_to_text(command: str, text: str) -> float:
    started = time.perf_counter()
    terminal = Terminal(command)
    try:
        terminal.wait_for(text, timeout=30)
        return time.perf_counter() - started
    finally:
        terminal.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh 20,000-contact demo)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = installed_command()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{tmp}/bench.db"
            subprocess.run([command, "--db", url, "demo", "--contacts", "20000"], check=True,
                           capture_output=True)
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        ours = [time_to_text(f"{command} --db {url}", "contact groups")
                for _ in range(args.runs)]
        baseline = [time_to_text(f"{sys.executable} {bare}", "bare app ready")
                    for _ in range(args.runs)]
    ours_median, base_median = statistics.median(ours), statistics.median(baseline)
    print(f"first screen (groups listed), median of {args.runs}: {ours_median:.3f} s "
          f"(min {min(ours):.3f}, max {max(ours):.3f})  target < 1 s")
    print(f"bare Textual app, same terminal:   {base_median:.3f} s")
    print(f"ratio ours / bare: {ours_median / base_median:.2f}")


if __name__ == "__main__":
    main()
