"""Keeping the emulator's runs, groups and group events in a SQLite file, so they survive a restart.

The engine holds everything in memory and writes each change through to the file; at start it loads the file
back. Rows hold JSON documents, so the file format follows the engine's records without migrations.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["StateStore"]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS groups (taskgroup_id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS events (taskgroup_id TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL,"
    " PRIMARY KEY (taskgroup_id, n))",
)


class StateStore:
    """A SQLite file of run, group and event documents (JSON), written through on every change.

    Safe to call from any thread: one connection, guarded by a lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for statement in _TABLES:
            self._db.execute(statement)

    def load(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """Every stored run (in creation order), group, and each group's events in order."""
        with self._lock:
            runs = [json.loads(row[0]) for row in self._db.execute("SELECT data FROM runs ORDER BY seq")]
            groups = [json.loads(row[0]) for row in self._db.execute("SELECT data FROM groups")]
            events: dict[str, list[dict[str, Any]]] = {}
            for gid, data in self._db.execute("SELECT taskgroup_id, data FROM events ORDER BY taskgroup_id, n"):
                events.setdefault(gid, []).append(json.loads(data))
        return runs, groups, events

    def save(
        self,
        *,
        runs: Iterable[dict[str, Any]] = (),
        groups: Iterable[dict[str, Any]] = (),
        events: Iterable[tuple[str, int, dict[str, Any]]] = (),
    ) -> None:
        """Insert or replace the given run and group documents and append events ``(group id, number, event)``,
        in one transaction."""
        run_rows = [(r["run_id"], r["seq"], json.dumps(r)) for r in runs]
        group_rows = [(g["taskgroup_id"], json.dumps(g)) for g in groups]
        event_rows = [(gid, n, json.dumps(e)) for gid, n, e in events]
        if not (run_rows or group_rows or event_rows):
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", run_rows)
                self._db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?)", group_rows)
                self._db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?)", event_rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def clear(self) -> None:
        """Delete everything stored."""
        with self._lock:
            for table in ("runs", "groups", "events"):
                self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
