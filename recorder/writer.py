"""The capture sink: append-only JSONL files, one write per exchange, rotated by size.

Each exchange is encoded to one line and handed to the kernel with a single `write` on an
`O_APPEND` descriptor, so a crash (even `kill -9`) loses at most the exchange in flight and
leaves at worst one torn last line, which `read_jsonl` skips. `fsync=True` also survives a
power cut, at the price of one disk flush per exchange.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from recorder.redact import Redactor
from recorder.trace import Exchange

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class RotatingTraceWriter:
    """Writes exchanges of one service into `folder/SERVICE-<start>-NNNN.jsonl` files."""

    def __init__(
        self,
        folder: Path,
        service: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        fsync: bool = False,
        redactor: Redactor | None = None,
        session: str | None = None,
    ) -> None:
        self.folder = folder
        self.service = service
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.redactor = redactor
        self.session = session or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.paths: list[Path] = []
        self.count = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._fd = -1
        self._size = 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, exchange: Exchange) -> int:
        """Redact, number and append one exchange; returns its seq. Thread-safe."""
        exchange.service = self.service
        exchange.session = exchange.session or self.session
        with self._lock:
            exchange.seq = self.count
            if self.redactor is not None:
                self.redactor.exchange(exchange)
            data = exchange.json_bytes() + b"\n"
            if self._fd < 0 or (self._size and self._size + len(data) > self.max_bytes):
                self._rotate()
            _write_all(self._fd, data)
            if self.fsync:
                os.fsync(self._fd)
            self._size += len(data)
            self.count += 1
            self.bytes += len(data)
            return exchange.seq

    def _rotate(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        path = self.folder / f"{self.service}-{self.session}-{len(self.paths):04d}.jsonl"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size
        self.paths.append(path)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                if self.fsync:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> RotatingTraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
