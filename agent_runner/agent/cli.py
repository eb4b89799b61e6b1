"""`twins repair`: let a chat model repair a twin folder against recordings, with the tools only."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agent_runner.agent.loop import Outcome, Repair
from agent_runner.agent.provider import ANTHROPIC_URL, KINDS, OPENAI_URL, Provider, ProviderError
from agent_runner.agent.tools import Workspace
from agent_runner.verify import recording_files
from twins._runtime.errors import ConfigError

KEY_VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}


def provider_from(kind: str, model: str, base_url: str | None, env: dict[str, str] | None = None) -> Provider:
    """The provider of `--provider`, its key from the vendor's variable (an OpenAI-compatible
    server at --base-url, such as vLLM or Ollama, may need none)."""
    env = dict(os.environ) if env is None else env
    if kind not in KINDS:
        raise ConfigError(f"--provider must be one of {', '.join(KINDS)}")
    key = env.get(KEY_VARIABLES[kind], "")
    if not key and (kind == "anthropic" or base_url is None):
        raise ConfigError(f"set {KEY_VARIABLES[kind]} (the key is read from the environment only)")
    url = base_url or (ANTHROPIC_URL if kind == "anthropic" else OPENAI_URL)
    return Provider(kind, key, model, url)


def repair_command(
    twin: Annotated[Path, typer.Option("--twin", help="the twin folder to repair (edited in place)")],
    traces: Annotated[
        list[Path], typer.Option("--traces", help="recordings or folders of them (repeatable)")
    ],
    provider: Annotated[str, typer.Option("--provider", help="anthropic or openai (any compatible server)")],
    model: Annotated[str, typer.Option("--model", help="the model's name")],
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="another endpoint (vLLM, Ollama: http://host:11434/v1)")
    ] = None,
    target: Annotated[float, typer.Option("--target", min=0.0, max=1.0, help="fidelity to reach")] = 0.9,
    max_turns: Annotated[int, typer.Option("--max-turns", min=2, max=200, help="turn budget")] = 12,
    transcript: Annotated[
        Path | None, typer.Option("--transcript", help="JSONL file of every turn (default: none)")
    ] = None,
) -> None:
    """Let a chat model repair a twin folder until `twins verify` reaches --target or the turn
    budget is spent. The model may only list, read and write files inside the folder, run verify
    and run the twin's tests; it reviews its own diff before it stops. The key comes from
    ANTHROPIC_API_KEY or OPENAI_API_KEY and is never printed or written."""
    err = Console(stderr=True)
    try:
        chosen = provider_from(provider, model, base_url)
        if not (twin / "__init__.py").is_file():
            raise ConfigError(f"{twin}: not a twin folder (no __init__.py)")
        workspace = Workspace(twin, recording_files(traces))
        with err.status("repair: starting") as status:

            def told(turn: int, what: str) -> None:
                status.update(f"repair: turn {turn}/{max_turns}: {what}")

            job = Repair(chosen, workspace, target=target, max_turns=max_turns, told=told)
            outcome = asyncio.run(job.run(transcript))
    except (ConfigError, ProviderError, OSError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    print_outcome(outcome, target, Console())
    if not outcome.reached:
        raise typer.Exit(1)


def print_outcome(outcome: Outcome, target: float, console: Console) -> None:
    table = Table(title="twins repair", title_justify="left", show_header=False)
    table.add_row("fidelity before", f"{outcome.before:.1%}")
    colour = "green" if outcome.reached else "red"
    table.add_row("fidelity after", f"[{colour}]{outcome.after:.1%}[/] (target {target:.0%})")
    table.add_row("turns", str(outcome.turns))
    table.add_row("files changed", ", ".join(outcome.changed) or "none")
    if outcome.transcript is not None:
        table.add_row("transcript", str(outcome.transcript))
    console.print(table)
