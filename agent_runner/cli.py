"""`twins generate` and `twins regenerate`: twins from recorded traffic."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent_runner.conventions import Recording
from agent_runner.generate import generate
from agent_runner.infer import infer
from agent_runner.model import ServiceModel, merge_models
from recorder.importers import load_recording, session_names
from recorder.trace import Exchange, TraceFormatError

console = Console()
err = Console(stderr=True)
SUFFIXES = (".yaml", ".yml", ".json", ".har", ".jsonl")

TracesOpt = Annotated[
    list[Path],
    typer.Option(
        "--traces", help="recordings (HAR, vcrpy, go-vcr, Ruby VCR, Betamax, JSONL) or folders of them"
    ),
]


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given, folders as every recording under them (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        else:
            out.append(path)
    return out


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )


def read_all(files: Sequence[Path], progress: Progress) -> list[Recording]:
    task = progress.add_task("reading recordings", total=len(files))
    names = session_names(list(files))
    out: list[Recording] = []
    for path in files:
        exchanges = load_recording(path, names[path])
        sessions: dict[str, list[Exchange]] = {}
        for exchange in exchanges:
            sessions.setdefault(exchange.session or names[path], []).append(exchange)
        out += [(name, items) for name, items in sessions.items() if items]
        progress.advance(task)
    return out


def spec_paths(spec: Path | None) -> list[str]:
    if spec is None:
        return []
    text = spec.read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return list((data or {}).get("paths", {}))


def learn(name: str, files: Sequence[Path], spec: Path | None, progress: Progress) -> ServiceModel:
    recordings = read_all(files, progress)
    total = sum(len(items) for _, items in recordings)
    task = progress.add_task("inferring", total=total)
    model = infer(name, recordings, spec_paths(spec), progress=lambda n: progress.advance(task, n))
    model.traces = [str(p.resolve()) for p in files]
    return model


def summary(model: ServiceModel, out: Path, seconds: float, *, extend: bool = False) -> None:
    kinds: dict[str, int] = {}
    for op in model.operations:
        kinds[op.kind] = kinds.get(op.kind, 0) + 1
    table = Table(title=f"{model.title} twin in {out}", show_header=False)
    table.add_row("recordings", f"{len(model.sources)} ({model.exchanges} exchanges)")
    table.add_row(
        "operations", f"{len(model.operations)}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    )
    table.add_row("resources", str(len(model.resources)))
    table.add_row("seeded documents", str(len(model.seed)))
    table.add_row("error style", model.style)
    table.add_row("auth", ", ".join(model.auth) or "none")
    table.add_row("pagination", model.pagination)
    table.add_row("time", f"{seconds:.1f} s")
    console.print(table)
    how = f"twins serve {model.name} --extend {out}" if extend else f"twins serve --twin {out}"
    console.print(f"serve it: {how}    limitations: {out / 'LIMITATIONS.md'}", soft_wrap=True)


def generate_command(
    name: Annotated[str, typer.Argument(help="the service's name (with --extend: the twin to extend)")],
    traces: TracesOpt,
    out: Annotated[Path, typer.Option("--out", help="folder to write the twin package to")],
    spec: Annotated[Path | None, typer.Option("--spec", help="the vendor's OpenAPI document")] = None,
    extend: Annotated[
        bool, typer.Option("--extend", help="only the endpoints the hand-built twin NAME does not serve")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="the twin's default port")] = 8110,
) -> None:
    """Infer a service from recorded traffic and write a twin package on the kit."""
    started = time.perf_counter()
    try:
        files = expand(traces)
        if not files:
            raise TraceFormatError("no recordings found in --traces")
        with progress_bar() as progress:
            model = learn(name, files, spec, progress)
            if extend:
                from agent_runner.extend import only_unserved
                from twins import registry

                task = progress.add_task(f"leaving out what the {name} twin serves", total=1)
                model = only_unserved(model, registry.load(name))
                progress.advance(task)
            task = progress.add_task("writing the package", total=1)
            generate(model, out, port=port)
            progress.advance(task)
    except (TraceFormatError, OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    summary(model, out, time.perf_counter() - started, extend=extend)


def regenerate_command(
    name: Annotated[str, typer.Argument(help="the service's name")],
    traces: TracesOpt,
    twin: Annotated[Path, typer.Option("--twin", help="the generated twin's folder")],
    spec: Annotated[Path | None, typer.Option("--spec", help="the vendor's OpenAPI document")] = None,
) -> None:
    """Merge what new recordings show into a generated twin; report fidelity before and after."""
    from agent_runner.fidelity import fidelity

    started = time.perf_counter()
    try:
        old = ServiceModel.load(twin / "model.json")
        files = expand(traces)
        old_files = [Path(p) for p in old.traces if Path(p).exists()]
        with progress_bar() as progress:
            task = progress.add_task("fidelity before", total=1)
            before = (fidelity(twin, old_files), fidelity(twin, files))
            progress.advance(task)
            new = learn(name, files, spec, progress)
            merged = merge_models(old, new)
            generate(merged, twin)
            task = progress.add_task("fidelity after", total=1)
            after = (fidelity(twin, old_files, fresh=True), fidelity(twin, files, fresh=True))
            progress.advance(task)
    except (TraceFormatError, OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    summary(merged, twin, time.perf_counter() - started)
    table = Table(title="fidelity (exchanges that match)")
    table.add_column("traces")
    table.add_column("before")
    table.add_column("after")
    table.add_row("old", before[0].text, after[0].text)
    table.add_row("new", before[1].text, after[1].text)
    console.print(table)
