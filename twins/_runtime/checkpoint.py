"""WAL checkpoints of a private SQLite file, on a thread of their own.

SQLite in WAL mode appends each commit to the write-ahead log and, by default, copies the log back
into the database file (a checkpoint) in the commit that takes the log past 1,000 pages. With
`synchronous=NORMAL` a checkpoint is where SQLite waits for the disk (two fsyncs), so a committer
writing on the event loop stopped serving for milliseconds every few hundred writes. Here the
writer's own checkpoints start only past `FALLBACK` pages (the thread fell behind), and a thread
with its own connection runs a PASSIVE checkpoint (one that never blocks the writer) at most every
`INTERVAL` seconds while there are new commits. A commit is durable as before: a checkpoint only
moves what is already in the log; SQLite's sqlite3_step lets go of the GIL while it works.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

INTERVAL = 0.1  # seconds between checkpoints while commits come in
FALLBACK = 10_000  # pages in the log past which the writer checkpoints itself


class Checkpoints:
    """The checkpoint thread of one SQLite file; `poke()` after each commit."""

    def __init__(self, engine: Engine, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self.done = 0  # checkpoints run
        self._poked = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="twin-checkpoints", daemon=True)

    @classmethod
    def attach(cls, driver: Any, engine: Engine, running: Checkpoints | None) -> Checkpoints | None:
        """Hand the checkpoints of the writer's connection `driver` (sqlite3) to a thread, when its
        file is in WAL mode; the thread already `running` for an earlier connection is kept."""
        mode = driver.execute("PRAGMA journal_mode").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            return running
        driver.execute(f"PRAGMA wal_autocheckpoint={FALLBACK}").fetchall()
        if running is None:
            running = cls(engine)
            running._thread.start()
        return running

    def poke(self) -> None:
        """Say that a commit was written (cheap: the thread is woken once per round)."""
        if not self._poked:
            self._poked = True
            self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        conn: Any = None
        try:
            while not self._stop.is_set():
                self._wake.wait()
                if self._stop.wait(self.interval):  # let commits gather: one checkpoint a round
                    break
                self._wake.clear()
                self._poked = False  # after the clear: a poke from now on wakes the next round
                try:
                    if conn is None:
                        conn = self.engine.raw_connection()
                    cursor = conn.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                    cursor.close()
                    self.done += 1
                except Exception:  # the writer's own checkpoints past FALLBACK still bound the log
                    log.exception("WAL checkpoint failed")
                    _close(conn)
                    conn = None
        finally:
            _close(conn)


def _close(conn: Any) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
