"""Twins started as child processes the way a user starts them, and stopped afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


def twins_executable() -> str:
    """The `twins` console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "twins"
    if not script.exists():
        raise RuntimeError(f"{script} is missing; install the project with `pip install -e .`")
    return str(script)


@dataclass
class Child:
    """A running process and the file its output goes to."""

    proc: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def wait_until_healthy(url: str, child: Child, timeout: float = 60.0) -> None:
    """Poll `url` until it answers 200; fail with the process's output if it died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise RuntimeError(
                f"process exited with {child.proc.returncode} before {url} answered:\n{child.output()}"
            )
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM (the twin flushes its writes), then SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running(argv: Sequence[str], env: Mapping[str, str]) -> Iterator[Child]:
    """Run `argv` with `env` added to this process's environment; stop it on the way out."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(list(argv), env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield Child(proc, log)
        finally:
            stop(proc)
