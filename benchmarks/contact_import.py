"""Importing a CSV file of contacts, beside sqlite3's own ``.import`` of the same file.

    python benchmarks/contact_import.py --contacts 1000000

Writes a file of realistic-looking contacts (email, names, city, country code, birthday, a
custom field), then times, each on a fresh database, the sqlite3 shell's ``.import`` into a
plain table (no checks, no indexes: the floor) and ``contact-groups import contacts`` of the
same file (checked, staged, merged, groups re-evaluated). The target is under 2 minutes for
1,000,000 contacts.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CITIES = ("Praha", "Brno", "Ostrava", "Plzeň", "Berlin", "Wien", "London", "Paris")
COUNTRIES = ("CZ", "CZ", "CZ", "DE", "AT", "GB", "FR", "SK")
FIRST = ("Jana", "Petr", "Eva", "Jan", "Anna", "Tomáš", "Lucie", "Martin", "Kateřina")
LAST = ("Nováková", "Svoboda", "Dvořák", "Černá", "Procházka", "Kučera", "Veselá", "Horák")


def write_file(path: Path, contacts: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("ContactEmail,ContactFirstName,ContactLastName,ContactCity,"
                  "ContactCountryCode,ContactBirthday,Region\n")
        for i in range(contacts):
            city = rng.randrange(len(CITIES))
            birthday = f"{rng.randrange(1950, 2005)}-{rng.randrange(1, 13):02d}-" \
                       f"{rng.randrange(1, 29):02d}"
            out.write(f"c{i}@example{i % 97}.com,{rng.choice(FIRST)},{rng.choice(LAST)},"
                      f"{CITIES[city]},{COUNTRIES[city]},{birthday},R{i % 7}\n")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sqlite3_shell = shutil.which("sqlite3")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        csv_path = work / "contacts.csv"
        started = time.perf_counter()
        write_file(csv_path, args.contacts, args.seed)
        print(f"wrote {args.contacts:,} contacts ({csv_path.stat().st_size / 1e6:,.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")
        baseline = None
        if sqlite3_shell:
            baseline = timed([sqlite3_shell, str(work / "plain.db"), "-cmd", ".mode csv",
                              f".import {csv_path} contacts"])
            print(f"sqlite3 .import (plain table, no checks): {baseline:6.1f} s")
        else:
            print("sqlite3 shell not installed: no baseline (apt-get install sqlite3)")
        cli = [sys.executable, "-m", "tui.cli", "--db", f"sqlite:///{work / 'cg.db'}"]
        subprocess.run([*cli, "groups", "create", "--name", "Brno",
                        "--condition", 'Contact.ContactCity == "Brno"'], check=True,
                       stdout=subprocess.DEVNULL)
        ours = timed([*cli, "import", "contacts", str(csv_path), "--new-fields"])
        ratio = f" ({ours / baseline:.1f}x sqlite3 .import)" if baseline else ""
        print(f"contact-groups import contacts:           {ours:6.1f} s{ratio}; "
              f"{args.contacts / ours:,.0f} rows/s")
        again = timed([*cli, "import", "contacts", str(csv_path)])
        print(f"the same file again (all unchanged):      {again:6.1f} s")


if __name__ == "__main__":
    main()
