"""An emulator in its own process, on a fixed port and a state file, that a test can kill with SIGKILL and start
again: the restart keeps the runs and groups, and the client reconnects to the same address. The state file also
tells a test what the server held when it died: it is written through on every change, so after a kill it is
exactly what the server had."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import httpx

from parallel_integrations.emulator import Fault
from parallel_integrations.emulator.server import bind_socket

ADD_RUNS = "POST /*/tasks/groups/*/runs"
"""The add-runs route of either API version, as a fault names it."""

RUN_SECONDS = 2.0
"""How long each run of a paced server takes."""
SUBMIT_DELAY = 2.0
"""How long a paced server holds each add-runs request (at most 1,000 runs) before handling it."""

_ENDED = ("completed", "failed", "cancelled")


class Held(NamedTuple):
    """What the state file holds: runs created, and runs that had ended (or were due to) by the time it was read."""

    runs: int
    ended: int


_CORPUS = [
    {"url": f"https://example.org/page{i}", "title": f"Page {i}", "text": f"Statement {i} explains item {i}."}
    for i in range(20)
]


class EmulatorProcess:
    """``python -m parallel_integrations.emulator`` with ``--state``; :meth:`kill` is ``kill -9``."""

    def __init__(self, workdir: Path, *, running: float = 0.5) -> None:
        self.state = workdir / "state.sqlite"
        self.corpus = workdir / "corpus.jsonl"
        self.corpus.write_text("".join(json.dumps(record) + "\n" for record in _CORPUS))
        probe = bind_socket()
        self.port = int(probe.getsockname()[1])
        probe.close()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.running = running
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the server and return once it answers its health route (fails after 30 s)."""
        command = [sys.executable, "-m", "parallel_integrations.emulator", "--port", str(self.port)]
        command += ["--state", str(self.state), "--corpus", str(self.corpus), "--queued", "0"]
        command += ["--running", str(self.running)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.starts += 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited with status {self.process.returncode}")
            try:
                if httpx.get(f"{self.base_url}/_emulator/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the emulator did not start within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, open connections drop, only the state file survives."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def add_fault(self, fault: Fault) -> None:
        """Inject ``fault`` through the control route. Faults live in memory: a kill forgets them."""
        httpx.post(f"{self.base_url}/_emulator/faults", json=fault.to_dict(), timeout=30).raise_for_status()

    def runs_held(self) -> int:
        """How many runs the state file holds (cheap enough to poll while a batch is submitted)."""
        with contextlib.closing(sqlite3.connect(self.state, timeout=30)) as db:  # WAL: reads do not block writes
            count: int = db.execute("SELECT count(*) FROM runs").fetchone()[0]
        return count

    def held(self) -> Held:
        """The runs in the state file, and how many had ended by now (a run ends at its scheduled ``finished_at``
        even when the server is not there to record it). Called right after :meth:`kill`, ``ended`` bounds what
        the server could have answered before it died."""
        with contextlib.closing(sqlite3.connect(self.state, timeout=30)) as db:
            rows = [json.loads(data) for (data,) in db.execute("SELECT data FROM runs")]
        now = time.time()
        ended = [
            row for row in rows if row["status"] in ("completed", "failed", "cancelled") or row["finished_at"] <= now
        ]
        return Held(len(rows), len(ended))

    def runs(self) -> list[dict[str, object]]:
        """Every run the emulator holds, with its input."""
        runs: list[dict[str, object]] = httpx.get(f"{self.base_url}/_emulator/runs", timeout=30).json()["runs"]
        return runs


def paced(process: EmulatorProcess) -> EmulatorProcess:
    """Start ``process`` (built with ``running=RUN_SECONDS``) and hold each add-runs request ``SUBMIT_DELAY``
    seconds, until it is killed (faults are not kept). A 2,000-input batch then has its second half created
    ``SUBMIT_DELAY`` after the first, ending ``RUN_SECONDS`` later still: a kill triggered by the first half (or
    the first results) has that long to land, however fast the machine."""
    assert process.running == RUN_SECONDS
    process.start()
    process.add_fault(Fault.slow(ADD_RUNS, SUBMIT_DELAY))
    return process
