"""An emulator in its own process, on a fixed port and a state file, that a test can kill with SIGKILL and start
again: the restart keeps the runs and groups, and the client reconnects to the same address."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from parallel_integrations.emulator.server import bind_socket

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

    def runs(self) -> list[dict[str, object]]:
        """Every run the emulator holds, with its input."""
        runs: list[dict[str, object]] = httpx.get(f"{self.base_url}/_emulator/runs", timeout=30).json()["runs"]
        return runs
