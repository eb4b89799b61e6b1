"""`twins action start|stop`: twins as background processes on a CI runner (the GitHub Action's steps).

`start` launches `twins serve NAME` per twin, detached, waits for `/_twin/health`, then writes each
twin's URL, credentials and client environment (as `twins up` prints it) to an env file in
`KEY=value` lines (`$GITHUB_ENV`) and to outputs (`$GITHUB_OUTPUT`). `stop` ends them by pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from twins import registry
from twins._runtime.errors import ConfigError

HEALTH_TIMEOUT = 90.0


@dataclass
class Started:
    """A twin the action launched: where it answers and what a client needs."""

    name: str
    url: str
    pid: int
    env: dict[str, str]


def pick_port(name: str, auto: bool) -> int:
    """The twin's own port, or any free loopback port with `auto`."""
    if not auto:
        return registry.load(name).default_port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def twins_argv() -> list[str]:
    """How to run `twins` with this interpreter, whatever PATH holds."""
    return [sys.executable, "-c", "from twins.cli import main; main()"]


def launch(name: str, port: int, state_dir: Path, options: list[str], admin_token: str) -> int:
    """Start `twins serve` detached from this process; its output goes to `<state_dir>/<name>.log`."""
    argv = [*twins_argv(), "serve", name, "--host", "127.0.0.1", "--port", str(port), *options]
    env = {**os.environ, "TWINS_ADMIN_TOKEN": admin_token}  # not in argv, where `ps` shows it
    with (state_dir / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (state_dir / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _reaped(pid) and not _zombie(pid)


def _reaped(pid: int) -> bool:
    """True when `pid` is our exited child (a zombie until waited for)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def _zombie(pid: int) -> bool:
    """True when `pid` has exited but its parent has not reaped it yet (Linux only). A twin started
    by an earlier step is nobody's child here: in a container whose init is slow to reap (or never
    does) it would otherwise look alive, and `stop` would wait its timeout out for nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].startswith("Z")


def wait_healthy(name: str, url: str, pid: int, state_dir: Path, timeout: float = HEALTH_TIMEOUT) -> None:
    """Poll the health endpoint; a twin that exits or stays silent is a ConfigError with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            log = (state_dir / f"{name}.log").read_text(errors="replace")
            raise ConfigError(f"the {name} twin exited while starting:\n{log}")
        try:
            if httpx.get(f"{url}/_twin/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ConfigError(f"the {name} twin did not answer on {url} within {timeout:.0f}s")


def credentials(url: str, admin_token: str) -> dict[str, Any]:
    reply = httpx.get(f"{url}/_twin/credentials", headers={"Authorization": f"Bearer {admin_token}"})
    if reply.status_code != 200:
        raise ConfigError(f"{url}/_twin/credentials answered {reply.status_code}: {reply.text}")
    body: dict[str, Any] = reply.json()
    return body


def client_env(name: str, url: str, creds: dict[str, Any]) -> dict[str, str]:
    """What an application reads: the service's own variables plus TWINS_<NAME>_URL."""
    return {f"TWINS_{name.upper()}_URL": url, **registry.load(name).env(url, creds)}


def start(
    names: list[str],
    admin_token: str,
    state_dir: Path,
    db: str | None = None,
    rate_limits: str = "off",
    auto_ports: bool = False,
) -> list[Started]:
    """Launch every twin, wait until all are healthy, and return what each exports."""
    state_dir.mkdir(parents=True, exist_ok=True)
    options = ["--rate-limits", rate_limits, "--data-dir", str(state_dir)]
    if db:
        options += ["--db", db]
    pending = []
    for name in names:
        registry.load(name)  # an unknown name fails before anything starts
        port = pick_port(name, auto_ports)
        url = f"http://127.0.0.1:{port}"
        pending.append((name, url, launch(name, port, state_dir, options, admin_token)))
    started = []
    for name, url, pid in pending:
        wait_healthy(name, url, pid, state_dir)
        started.append(Started(name, url, pid, client_env(name, url, credentials(url, admin_token))))
    (state_dir / "twins.json").write_text(json.dumps([vars(s) for s in started], indent=2))
    return started


def export(started: list[Started], admin_token: str, env_file: Path | None, output: Path | None) -> None:
    """Append `KEY=value` lines: client variables to `env_file`, URLs and the token to `output`."""
    env = {"TWINS_ADMIN_TOKEN": admin_token}
    outputs = {"admin-token": admin_token}
    for item in started:
        env.update(item.env)
        outputs[f"{item.name}-url"] = item.url
    for path, values in ((env_file, env), (output, outputs)):
        if path is not None:
            with path.open("a", encoding="utf-8") as out:
                out.writelines(f"{key}={value}\n" for key, value in values.items())


def stop(state_dir: Path, timeout: float = 15.0) -> list[str]:
    """SIGTERM every twin started from `state_dir` (they flush their writes), SIGKILL stragglers.
    All are signalled first, then awaited together: they shut down side by side."""
    pids = {f: int(f.read_text().strip()) for f in sorted(state_dir.glob("*.pid"))}
    signalled = [pid for pid in pids.values() if alive(pid)]
    for pid in signalled:
        with contextlib.suppress(ProcessLookupError):  # it may have ended since
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in signalled) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in signalled:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for pid_file in pids:
        pid_file.unlink()
    return [pid_file.stem for pid_file in pids]
