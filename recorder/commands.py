"""`twins record`, `twins replay`, `twins redact` and `twins diff`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from recorder.match import MATCHERS

if TYPE_CHECKING:  # the commands import what they run only when they run (a quick `--help`)
    import socket

    from recorder.redact import Redactor
    from recorder.replay_server import ReplayTable
    from recorder.trace import Exchange
    from recorder.writer import RotatingTraceWriter

console = Console()
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _redactor(rules: Path | None, key: str | None) -> Redactor:
    from recorder.redact import Redactor
    from recorder.redact_rules import Rules, RulesError, redaction_key

    try:
        return Redactor(redaction_key(key), Rules.load(rules) if rules else None)
    except RulesError as exc:
        _fail(str(exc))
        raise


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        _fail(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    return host or "127.0.0.1", int(port)


def _load(paths: list[Path]) -> list[Exchange]:
    from recorder.importers import load_recording
    from recorder.trace import TraceFormatError

    files = [p for path in paths for p in (sorted(path.glob("*.jsonl")) if path.is_dir() else [path])]
    if not files:
        _fail("no trace files given (pass .jsonl files, folders of them, HAR or VCR cassettes)")
    exchanges: list[Exchange] = []
    try:
        for path in files:
            exchanges.extend(load_recording(path))
    except TraceFormatError as exc:
        _fail(str(exc))
    return exchanges


def _headers(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep:
            _fail(f"header {value!r}: expected 'Name: value'")
        out[name.strip()] = content.strip()
    return out


def record_command(
    service: str = typer.Argument(..., help="service name written into the traces (okta, jira, slack, ...)"),
    upstream: str = typer.Option("", "--upstream", help="the real service, e.g. https://acme.okta.com"),
    listen: str = typer.Option("127.0.0.1:8180", "--listen", help="HOST:PORT the proxy listens on"),
    out: Path = typer.Option(..., "--out", help="folder for the JSONL traces (created)"),
    no_redact: bool = typer.Option(False, "--no-redact", help="write secrets as they are (warns)"),
    rules: Path | None = typer.Option(None, "--rules", help="YAML file of extra redaction rules"),
    key: str | None = typer.Option(None, "--redact-key", help="pseudonym key (env TWINS_REDACT_KEY)"),
    fsync: bool = typer.Option(False, "--fsync", help="fsync after every exchange"),
    rotate_mb: float = typer.Option(64.0, "--rotate-mb", help="start a new file past this size"),
    shadow: str | None = typer.Option(None, "--shadow", help="twin URL: send every request there too"),
    shadow_header: list[str] = typer.Option([], "--shadow-header", help="'Name: value' for the twin"),
    mitm: bool = typer.Option(False, "--mitm", help="forward proxy through mitmproxy (HTTPS_PROXY=...)"),
    mitmdump: str = typer.Option("mitmdump", "--mitmdump", envvar="TWINS_MITMDUMP", help="mitmdump to run"),
) -> None:
    """Record traffic: a reverse proxy in front of UPSTREAM that writes every exchange, redacted,
    to --out. Point your app or SDK at the --listen address; Ctrl-C stops and prints a summary.
    With --shadow TWIN_URL every request is also sent to the twin, and a drift report
    (drift.md, drift.json) is written to --out at the end. With --mitm it is a forward proxy
    instead (mitmproxy; the app sets HTTPS_PROXY and trusts mitmproxy's CA) and SERVICE may be
    `auto` (named from each host)."""
    host, port = _listen(listen)
    redactor = None
    if no_redact:
        err.print("[bold yellow]warning:[/] --no-redact: credentials and personal data go to disk as is")
    else:
        redactor = _redactor(rules, key)
    if mitm:
        options = {"redact": not no_redact, "rules": rules, "fsync": fsync}
        _record_mitm(mitmdump, host, port, out, service, key, **options)
        return
    if not upstream:
        _fail("--upstream is required (or --mitm for a forward proxy)")
    from recorder.capture import Capture

    capture = Capture(service, upstream, out, host, port, redactor, fsync, int(rotate_mb * 1024 * 1024))
    shadowing = None
    if shadow:
        from recorder.diff import Side
        from recorder.shadow import Shadow

        shadowing = Shadow(Side(shadow, _headers(shadow_header)), upstream)
        capture.listeners.append(shadowing.submit)

    def started(url: str) -> None:
        err.print(f"recording {service}: {url} -> {upstream}; traces in {out}/ (Ctrl-C stops)")

    async def main() -> RotatingTraceWriter:
        try:
            return await capture.serve(err, started)
        finally:
            if shadowing is not None:
                await shadowing.finish(out)

    from recorder.loop import run_fast

    try:
        writer = run_fast(main())
    except (OSError, ValueError) as exc:
        _fail(str(exc))
        return
    console.print(capture.stats.table(f"twins record {service}", files=writer.paths))
    if shadowing is not None:
        drifted = len(shadowing.report.drifted)
        console.print(f"drift report: {out / 'drift.md'} ({drifted} endpoints differ)", soft_wrap=True)


def _record_mitm(
    mitmdump: str, host: str, port: int, out: Path, service: str, key: str | None, **options: Any
) -> None:
    """Run mitmdump with the recorder addon until Ctrl-C; then summarise what it wrote."""
    import os
    import shutil
    import signal
    import subprocess

    from recorder.capture import CaptureStats
    from recorder.importers import load_recording
    from recorder.mitm import mitmdump_argv

    if shutil.which(mitmdump) is None:
        _fail(f"{mitmdump} not found; pip install 'dark-factory-twins[record-mitm]' or pass --mitmdump PATH")
    argv = mitmdump_argv(mitmdump, host, port, out, service, **options)
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    if key:
        env["TWINS_REDACT_KEY"] = key  # through the environment, never the command line
    before = set(out.glob("*.jsonl")) if out.exists() else set()
    err.print(
        f"forward proxy on http://{host}:{port}: export HTTPS_PROXY=http://{host}:{port} (Ctrl-C stops)"
    )
    proc = subprocess.Popen(argv, env=env)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()  # mitmdump flushes and runs the addon's `done` on SIGTERM
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    stats = CaptureStats()
    files = sorted(set(out.glob("*.jsonl")) - before) if out.exists() else []
    for path in files:
        for exchange in load_recording(path):
            stats.add(exchange)
    console.print(stats.table(f"twins record --mitm ({service})", files=files))
    if code not in (0, 130, -2):
        raise typer.Exit(code)


def replay_command(
    traces: list[Path] = typer.Argument(..., help="JSONL traces (or folders of them), HAR or VCR files"),
    port: int = typer.Option(8190, "--port", help="port to serve on (0: any free port)"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind"),
    service: str = typer.Option(
        "", "--service", help="vendor error shape and matchers (default: the traces')"
    ),
    match: list[str] = typer.Option(
        [], "--match", help=f"matchers to use, repeatable: {', '.join(MATCHERS)}"
    ),
    key: str | None = typer.Option(None, "--redact-key", help="pseudonym key the traces were redacted with"),
) -> None:
    """Serve recorded responses: the nth identical request gets the nth recorded answer (the last
    repeats). A request no recording matches gets the vendor's error shape, with the closest
    recorded requests and the matchers they failed (body field `replay`, header X-Twins-Replay-Miss)."""
    from recorder.redact import Redactor
    from recorder.redact_rules import redaction_key
    from recorder.replay_server import ReplayTable, base_url, bind

    exchanges = _load(traces)
    try:
        sock = bind(host, port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return
    try:
        table = ReplayTable(
            exchanges,
            service=service,
            matchers=match or None,
            base_url=base_url(sock, host),
            redactor=Redactor(redaction_key(key)),
        )
    except ValueError as exc:
        sock.close()
        _fail(str(exc))
        return
    from recorder.loop import run_fast

    run_fast(_serve_replay(table, host, sock))
    summary = Table(title="twins replay")
    summary.add_column("", style="bold")
    summary.add_column("value", justify="right")
    for name, value in (
        ("recorded exchanges", len(exchanges)),
        ("distinct requests", len(table.by_signature)),
        ("answered", table.hits),
        ("missed", table.misses),
        ("matchers", ", ".join(table.names)),
    ):
        summary.add_row(name, str(value))
    console.print(summary)


async def _serve_replay(table: ReplayTable, host: str, sock: socket.socket) -> None:
    import asyncio
    import contextlib

    from recorder.loop import on_signals
    from recorder.replay_server import base_url, start

    url = base_url(sock, host)
    server = await start(table, sock=sock)
    stopped = asyncio.Event()
    on_signals(stopped.set)
    err.print(
        f"replaying {len(table.recorded)} {table.service} exchanges on {url} "
        f"(matchers: {', '.join(table.names)}); Ctrl-C stops"
    )
    async with server:
        if not err.is_terminal:
            await stopped.wait()
            return
        with err.status("") as status:
            while not stopped.is_set():
                status.update(f"answered {table.hits}, missed {table.misses}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopped.wait(), 0.5)


def redact_command(
    source: Path = typer.Argument(..., help="trace (.jsonl), HAR or VCR cassette to scrub"),
    output: Path = typer.Option(..., "-o", "--output", help="the redacted JSONL trace to write"),
    rules: Path | None = typer.Option(None, "--rules", help="YAML file of extra redaction rules"),
    key: str | None = typer.Option(None, "--redact-key", help="pseudonym key (env TWINS_REDACT_KEY)"),
) -> None:
    """Scrub secrets and personal data from an existing trace or imported cassette, with the same
    consistent pseudonyms `twins record` uses."""
    from rich.progress import Progress

    from recorder.redact_rules import key_path

    if output.exists():
        _fail(f"{output} exists; pick another -o (redaction never overwrites)")
    redactor = _redactor(rules, key)
    exchanges = _load([source])
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        Progress(console=err, transient=True, disable=not err.is_terminal) as progress,
        output.open("w") as handle,
    ):
        task = progress.add_task("redacting", total=len(exchanges))
        for exchange in exchanges:
            handle.write(redactor.exchange(exchange).json_line() + "\n")
            progress.advance(task)
    console.print(
        f"{output}: {len(exchanges)} exchanges, {redactor.redacted} distinct values replaced "
        f"(pseudonym key: {'given' if key else key_path()})",
        soft_wrap=True,
    )


def diff_command(
    real: str = typer.Option(..., "--real", help="base URL of the real service (or a recording proxy)"),
    twin: str = typer.Option(..., "--twin", help="base URL of the twin"),
    traces: list[Path] = typer.Option(..., "--traces", help="traces whose requests are sent (repeatable)"),
    out: Path = typer.Option(Path("drift"), "--out", help="folder for drift.md and drift.json"),
    real_header: list[str] = typer.Option([], "--real-header", help="'Name: value' sent to the real service"),
    twin_header: list[str] = typer.Option([], "--twin-header", help="'Name: value' sent to the twin"),
) -> None:
    """Detect drift: send the traces' requests to both services in order, map ids pairwise,
    normalise timestamps and request ids, and report per endpoint the statuses, fields and
    headers that differ. Exit code 1 when anything drifted."""
    import asyncio

    from recorder.diff import Side, run_drift

    exchanges = _load(traces)
    began = time.perf_counter()
    with err.status(f"sending {len(exchanges)} requests to both services"):
        report = asyncio.run(
            run_drift(exchanges, Side(real, _headers(real_header)), Side(twin, _headers(twin_header)))
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "drift.md").write_text(report.markdown(), encoding="utf-8")
    (out / "drift.json").write_text(json.dumps(report.as_json(), indent=2, default=str), encoding="utf-8")
    summary = Table(title=f"twins diff ({time.perf_counter() - began:.1f}s)")
    for column in ("endpoint", "requests", "statuses", "fields", "headers"):
        summary.add_column(column)
    for name, item in report.drifted.items():
        fields = len(item.missing_fields) + len(item.extra_fields) + len(item.different_values)
        summary.add_row(
            name, str(item.requests), str(sum(item.statuses.values())), str(fields), str(len(item.headers))
        )
    console.print(summary)
    console.print(
        f"{len(report.drifted)} of {len(report.endpoints)} endpoints differ; report: {out / 'drift.md'}"
    )
    if report.drifted or report.failures:
        raise typer.Exit(1)
