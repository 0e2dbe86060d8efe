"""The stream of rows, generated in this process or in a second one for big demos."""

from __future__ import annotations

import datetime as dt
import marshal
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from store.demo.contacts import contact_batch
from store.demo.generator import Generator
from store.demo.shape import BATCH_CONTACTS
from store.errors import StoreError

# From this many contacts on, and when a core is idle, a second process generates the rows
# while this one loads them: the load then takes about as long as the inserts alone. On a
# busy machine the second process would only add the cost of passing the rows across.
PROCESS_THRESHOLD = 50_000


def spare_core() -> bool:
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return cores >= 2 and load <= cores - 1


def _stream(contacts: int, seed: int, now: dt.datetime) -> Iterator[tuple]:
    """Every row of the demo in load order, as messages of plain tuples and lists:
    ``("accounts", rows)``, then per batch of contacts ``("batch", (contacts, account
    links, activities, form submissions, form field values), fraction done)``, and last
    ``("groups", VIP contact ids, key account ids)``."""
    gen = Generator(contacts, seed, now)
    accounts = gen.accounts()
    yield ("accounts", [a[:5] for a in accounts])
    employer = gen.employment(accounts)
    state = {"submission_id": 0}
    vip: list[int] = []
    for start in range(1, contacts + 1, BATCH_CONTACTS):
        stop = min(contacts + 1, start + BATCH_CONTACTS)
        batch = contact_batch(gen, start, stop, accounts, employer, state, vip)
        yield ("batch", batch, (stop - 1) / contacts)
    rng = gen.rng
    vip_ids = sorted(rng.sample(vip, min(len(vip), max(1, min(400, contacts // 5)))))
    key_ids = sorted(rng.sample(range(1, len(accounts) + 1), min(20, len(accounts))))
    yield ("groups", vip_ids, key_ids)


def produce() -> None:
    """The second process: write the stream to stdout; a failure becomes a message.

    Started by :func:`row_messages` as ``python -c`` (not ``multiprocessing``, whose spawn
    would re-run the caller's main script) with ``contacts seed now`` as arguments.
    Messages travel as ``marshal`` frames: plain tuples of str, int and float, between two
    copies of the same interpreter, at several times the speed of pickle.
    """
    out = sys.stdout.buffer
    try:
        contacts, seed = int(sys.argv[1]), int(sys.argv[2])
        now = dt.datetime.fromisoformat(sys.argv[3])
        for message in _stream(contacts, seed, now):
            _send(out, message)
    except Exception as error:
        _send(out, ("error", f"{type(error).__name__}: {error}"))
    out.flush()


_FRAME = struct.Struct("<Q")


def _send(out: IO[bytes], message: tuple) -> None:
    data = marshal.dumps(message)
    out.write(_FRAME.pack(len(data)))
    out.write(data)


def _next_message(source: IO[bytes]) -> tuple | None:
    """The next frame, or ``None`` at the end of the stream."""
    header = source.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    size = _FRAME.unpack(header)[0]
    data = source.read(size)
    return marshal.loads(data) if len(data) == size else None


@contextmanager
def row_messages(contacts: int, seed: int, now: dt.datetime) -> Iterator[Iterator[tuple]]:
    """The stream, from a second process for big demos (the same rows either way)."""
    if contacts < PROCESS_THRESHOLD or not spare_core():
        yield _stream(contacts, seed, now)
        return
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", "from store.demo.stream import produce; produce()",
                 str(contacts), str(seed), now.isoformat()],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env)
        except OSError:  # cannot start a process here: generate in this one
            yield _stream(contacts, seed, now)
            return
        try:
            yield _receive(process, errors)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _receive(process: subprocess.Popen, errors: IO[bytes]) -> Iterator[tuple]:
    assert process.stdout is not None
    while True:
        message = _next_message(process.stdout)
        if message is None:
            process.wait()
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            reason = f": {lines[-1]}" if lines else ""
            raise StoreError(f"the demo data generator stopped unexpectedly (exit code "
                             f"{process.returncode}){reason}; nothing was changed") from None
        if message[0] == "error":
            raise StoreError(f"generating demo data failed: {message[1]}; nothing was changed")
        yield message
        if message[0] == "groups":
            return

