"""`twins action start|stop`: the command line of the GitHub Action (`.github/actions/twins`)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from twins import action
from twins._runtime.errors import ConfigError

app = typer.Typer(
    help="Twins as background processes on a CI runner: start, export URLs and credentials, stop.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console()
err = Console(stderr=True)

StateOpt = Annotated[
    Path,
    typer.Option("--state-dir", help="pid files, logs and SQLite files (default $RUNNER_TEMP/twins)"),
]


def default_state_dir() -> Path:
    return Path(os.environ.get("RUNNER_TEMP") or ".twins") / "twins"


def env_path(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


@app.command("start")
def start_command(
    services: Annotated[str, typer.Option("--services", help="comma-separated twins")] = "slack,okta",
    state_dir: StateOpt = Path(""),
    env_file: Annotated[
        Path | None, typer.Option("--env-file", help="append KEY=value lines here (default $GITHUB_ENV)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="append step outputs here (default $GITHUB_OUTPUT)")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="database URL (default: SQLite files)")] = None,
    admin_token: Annotated[
        str | None, typer.Option("--admin-token", help="admin token (env TWINS_ADMIN_TOKEN; else generated)")
    ] = None,
    rate_limits: Annotated[str, typer.Option("--rate-limits", help="real, off or strict")] = "off",
    auto_ports: Annotated[
        bool, typer.Option("--auto-ports", help="any free ports instead of each twin's own (8101, 8102...)")
    ] = False,
) -> None:
    """Start the twins in the background and export their URLs, credentials and client variables."""
    names = [name.strip() for name in services.split(",") if name.strip()]
    token = admin_token or os.environ.get("TWINS_ADMIN_TOKEN") or "twa_" + secrets.token_urlsafe(24)
    folder = state_dir if str(state_dir) not in ("", ".") else default_state_dir()
    try:
        started = action.start(names, token, folder, db, rate_limits, auto_ports)
    except ConfigError as exc:
        action.stop(folder)
        err.print(f"error: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    action.export(started, token, env_file or env_path("GITHUB_ENV"), output or env_path("GITHUB_OUTPUT"))
    for item in started:
        console.print(f"{item.name}  {item.url}  (pid {item.pid})", highlight=False, soft_wrap=True)
        for key in item.env:
            console.print(f"  {key}", highlight=False)


@app.command("stop")
def stop_command(state_dir: StateOpt = Path("")) -> None:
    """Stop the twins that `start` launched from the same state folder."""
    folder = state_dir if str(state_dir) not in ("", ".") else default_state_dir()
    stopped = action.stop(folder) if folder.exists() else []
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}", highlight=False)
