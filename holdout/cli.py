"""`twins holdout ...`: validate, seal and run scenario suites; the HTML history report.

Logs and progress of a run name no scenario, step or expected value: only counts and verdicts."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from holdout import history, report, sealed
from holdout.engine import PROFILES, Options, ScenarioResult, SuiteResult, TrialResult, run_suite, trial_count
from holdout.judge import Provider
from holdout.scenario import Scenario, ScenarioError, load_dir
from holdout.stats import parse_shard, shard
from holdout.twinset import TwinsError, TwinSet, check_available, connect_remote, start_local

app = typer.Typer(
    help="Holdout scenarios: drive an app against the twins with sealed stories; score satisfaction.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "twins")
DEFAULT_HISTORY = Path(".twins/holdout-history.db")


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(code)


def load_suite(path: Path) -> tuple[list[Scenario], bool]:
    """Scenarios from a directory, or from a sealed suite (decrypted in memory); and whether sealed."""
    if path.is_dir():
        try:
            return load_dir(path), False
        except ScenarioError as exc:
            fail(str(exc))
    if not path.exists():
        fail(f"{path} is neither a directory of scenarios nor a sealed suite")
    try:
        return sealed.load_sealed(path), True
    except sealed.SealError as exc:
        fail(str(exc))
    except ScenarioError as exc:  # the sealed text must not leak: file and line only
        fail(f"{path}: the scenario at {exc.file}:{exc.line} is invalid; validate the unsealed suite")
    raise AssertionError("unreachable")


@app.command()
def validate(directory: Annotated[Path, typer.Argument(help="directory of scenario YAML files")]) -> None:
    """Check every scenario against the schema; errors name the file and line."""
    scenarios, _ = load_suite(directory)
    out.print(f"{len(scenarios)} scenarios valid", highlight=False, soft_wrap=True)


@app.command()
def seal(
    directory: Annotated[Path, typer.Argument(help="directory of scenario YAML files")],
    output: Annotated[Path, typer.Option("-o", "--output", help="sealed suite to write")],
) -> None:
    """Validate and encrypt a suite with the key in TWINS_HOLDOUT_KEY."""
    try:
        count = sealed.seal(directory, output)
    except (ScenarioError, sealed.SealError) as exc:
        fail(str(exc))
        return
    out.print(f"sealed {count} scenarios into {output}", highlight=False, soft_wrap=True)


@app.command()
def keygen() -> None:
    """Print a new key for TWINS_HOLDOUT_KEY (keep it in CI secrets)."""
    out.print(sealed.new_key(), highlight=False, soft_wrap=True)


def parse_urls(items: list[str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for item in items:
        name, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            fail(f"--twins-url {item!r} must look like slack=http://127.0.0.1:8101")
        urls[name.strip()] = url.strip()
    return urls


def current_commit() -> str:
    sha = os.environ.get("GITHUB_SHA", "")
    if sha:
        return sha
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class Captured(logging.Handler):
    """Holds every log record of a run (apps served in process log here too): private only."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @contextmanager
    def installed(self) -> Iterator[Captured]:
        """Route the root, uvicorn and twin loggers here instead of stderr while the run lasts."""
        saved = []
        for name in LOGGERS:
            logger = logging.getLogger(name)
            saved.append((logger, logger.handlers[:], logger.propagate))
            logger.handlers = [self] if name == "" else []
            logger.propagate = name != ""
        try:
            yield self
        finally:
            for logger, handlers, propagate in saved:
                logger.handlers, logger.propagate = handlers, propagate


async def execute(
    scenarios: list[Scenario], opts: Options, threshold: float, urls: dict[str, str], token: str
) -> SuiteResult:
    needed = sorted({t for s in scenarios for t in s.twins})
    twins: TwinSet
    if urls:
        missing = [t for t in needed if t not in urls]
        if missing:
            raise TwinsError(f"no --twins-url for {', '.join(missing)}")
        twins = connect_remote(urls, token)
        try:
            await twins.check()
        except (TwinsError, httpx.HTTPError) as exc:
            await twins.close()
            raise TwinsError(f"cannot use the running twins: {exc}") from None
    else:
        for name in needed:
            check_available(name)
        twins = await start_local(needed)
    total = sum(trial_count(s, opts) for s in scenarios)
    progress = Progress(
        TextColumn("trials"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[ok]} satisfied"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task("trials", total=total, ok=0)
    satisfied = 0

    def tick(_res: ScenarioResult, trial: TrialResult) -> None:
        nonlocal satisfied
        satisfied += trial.satisfied
        progress.update(task, advance=1, ok=satisfied)

    try:
        with progress:
            return await run_suite(twins, scenarios, opts, threshold, tick)
    finally:
        await twins.close()


def write(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@app.command()
def run(
    suite: Annotated[Path, typer.Argument(help="directory of scenarios, or a sealed suite file")],
    app_cmd: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="command that runs the app, or file.py:factory of an ASGI app (overrides the scenarios')",
        ),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option("--trials", min=1, help="trials per scenario (default: the scenario's, else 3)"),
    ] = None,
    parallel: Annotated[
        int,
        typer.Option(
            "--parallel", min=1, max=256, help="trials at once: lanes per scenario, each seeding one world"
        ),
    ] = 4,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.0, max=1.0, help="suite passes at this satisfaction")
    ] = 0.9,
    shard_spec: Annotated[
        str | None, typer.Option("--shard", help="i/N: this machine's share of the suite")
    ] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="JUnit XML to write")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="public JSON report to write")] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Markdown summary ($GITHUB_STEP_SUMMARY)")
    ] = None,
    private_report: Annotated[
        Path | None, typer.Option("--private-report", help="full report with scenario content")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="base seed of the trials' tenants")] = 1,
    profiles: Annotated[
        list[str] | None, typer.Option("--fault-profile", help=f"cycle trials through: {', '.join(PROFILES)}")
    ] = None,
    twins_url: Annotated[
        list[str] | None, typer.Option("--twins-url", help="use running twins: slack=http://...")
    ] = None,
    admin_token: Annotated[
        str | None, typer.Option("--admin-token", help="admin token of running twins (env TWINS_ADMIN_TOKEN)")
    ] = None,
    settle: Annotated[
        float, typer.Option("--settle", min=0.0, max=30.0, help="seconds the app gets after the last step")
    ] = 0.5,
    history_db: Annotated[
        Path, typer.Option("--history", help="SQLite run history to append to")
    ] = DEFAULT_HISTORY,
    keep_tenants: Annotated[
        bool, typer.Option("--keep-tenants", help="leave each lane's tenants for inspection")
    ] = False,
    fresh_worlds: Annotated[
        bool,
        typer.Option("--fresh-worlds", help="seed a new world (own seed) per trial, not one per lane"),
    ] = False,
    no_history: Annotated[bool, typer.Option("--no-history", help="do not record this run")] = False,
    commit: Annotated[
        str | None, typer.Option("--commit", help="commit of this run (default: GITHUB_SHA or git HEAD)")
    ] = None,
) -> None:
    """Run every scenario N times; exit 0 when satisfaction >= threshold, 1 when below, 2 on bad input."""
    scenarios, _ = load_suite(suite)
    if shard_spec:
        try:
            index, total = parse_shard(shard_spec)
        except ValueError as exc:
            fail(str(exc))
            return
        scenarios = shard(sorted(scenarios, key=lambda s: s.key), index, total)
    unknown = [p for p in profiles or [] if p not in PROFILES]
    if unknown:
        fail(f"unknown fault profile {unknown[0]!r}; there are: {', '.join(PROFILES)}")
    opts = Options(
        trials=trials,
        parallel=parallel,
        seed=seed,
        settle=settle,
        app=app_cmd,
        profiles=profiles or ["none"],
        keep_tenants=keep_tenants,
        fresh_worlds=fresh_worlds,
        provider=Provider.from_env(),
    )
    token = admin_token or os.environ.get("TWINS_ADMIN_TOKEN", "")
    urls = parse_urls(twins_url or [])
    log = Captured()
    try:
        with log.installed():
            result = asyncio.run(execute(scenarios, opts, threshold, urls, token))
    except TwinsError as exc:
        fail(str(exc))
        return
    sha = commit if commit is not None else current_commit()
    write(json_path, report.to_json(report.public(result, sha)))
    write(junit, report.junit(result))
    write(markdown, report.markdown(result))
    write(private_report, report.to_json(report.private(result, sha, log.lines)))
    if not no_history and scenarios:
        try:
            history.record(history_db, result, sha)
        except (sqlite3.Error, OSError) as exc:
            err.print(
                f"warning: run history {history_db} not written: {exc}", highlight=False, soft_wrap=True
            )
    lo, hi = result.interval
    verdict = "PASS" if result.passed else "FAIL"
    out.print(
        f"{verdict}: satisfaction {result.satisfaction:.3f} (95% {lo:.3f}-{hi:.3f}) "
        f"threshold {threshold:.3f}; "
        f"{result.satisfied}/{result.trials} trials, {len(result.scenarios)} scenarios, "
        f"{sum(s.flaky for s in result.scenarios)} flaky, {result.seconds:.1f}s",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(0 if result.passed else 1)


@app.command("report")
def history_report(
    history_db: Annotated[Path, typer.Option("--history", help="SQLite run history")] = DEFAULT_HISTORY,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write")] = Path(
        "holdout-history.html"
    ),
    limit: Annotated[int, typer.Option("--limit", min=1, help="newest runs to chart")] = 50,
) -> None:
    """Write the HTML history: satisfaction per scenario across commits, charted."""
    if not history_db.exists():
        fail(f"no run history at {history_db}; `twins holdout run` writes it")
    runs, series = history.load(history_db, limit)
    write(output, history.render_html(runs, series))
    out.print(f"{output}: {len(runs)} runs, {len(series)} scenarios", highlight=False, soft_wrap=True)
