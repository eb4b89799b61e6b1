"""`twins import`: turn HAR and VCR recordings into a JSONL trace (or a HAR file)."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from recorder.classify import endpoint

if TYPE_CHECKING:  # imported by the command itself, so `twins --help` stays quick
    from recorder.trace import Exchange


class OutputFormat(StrEnum):
    """What `twins import` writes: a JSONL trace or a HAR 1.2 file."""

    auto = "auto"
    jsonl = "jsonl"
    har = "har"


class ImportFailed(Exception):
    """An import that stops: `problem; fix`, printed as one line."""


@dataclass
class Summary:
    """Counts shown after an import."""

    files: Counter[str] = field(default_factory=Counter)
    services: Counter[str] = field(default_factory=Counter)
    endpoints: dict[str, set[str]] = field(default_factory=dict)

    def add(self, exchanges: Sequence[Exchange]) -> None:
        for exchange in exchanges:
            self.services[exchange.service] += 1
            key = endpoint(exchange.request.method, exchange.request.url)
            self.endpoints.setdefault(exchange.service, set()).add(key)

    def table(self) -> Table:
        from recorder.importers import FORMATS

        table = Table(title="twins import")
        table.add_column("", style="bold")
        table.add_column("exchanges", justify="right")
        table.add_column("distinct endpoints", justify="right")
        for service in sorted(self.services):
            table.add_row(service, str(self.services[service]), str(len(self.endpoints[service])))
        distinct = sum(len(keys) for keys in self.endpoints.values())
        table.add_row("total", str(sum(self.services.values())), str(distinct), style="bold")
        for fmt in FORMATS:
            if self.files[fmt]:
                table.add_row(f"{fmt} files", str(self.files[fmt]), "", style="dim")
        return table


@contextmanager
def _staged(output: Path) -> Iterator[Path]:
    """A temp file next to `output` that replaces it only if the block finishes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    os.close(fd)
    temp = Path(name)
    temp.chmod(_file_mode(output))
    try:
        yield temp
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)


def _file_mode(output: Path) -> int:
    """The existing output's mode, or what a plain `open(..., "w")` would give (umask applied)."""
    if output.exists():
        return output.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _output_format(output: Path, chosen: OutputFormat) -> OutputFormat:
    if chosen is not OutputFormat.auto:
        return chosen
    return OutputFormat.har if output.suffix.lower() == ".har" else OutputFormat.jsonl


def _existing(output: Path, append: bool, fmt: OutputFormat) -> list[Exchange]:
    from recorder.trace import read_jsonl

    if not output.exists():
        return []
    if not append:
        raise ImportFailed(f"{output} already exists; pass --append to add to it or pick another -o")
    if fmt is OutputFormat.har:
        raise ImportFailed(f"--append works with .jsonl output only; write a new .har ({output})")
    return list(read_jsonl(output))


def _import(files: list[Path], output: Path, append: bool, fmt: OutputFormat, console: Console) -> Summary:
    from recorder.har import export_har
    from recorder.importers import load_recording_as, session_names
    from recorder.trace import TraceWriter

    existing = _existing(output, append, fmt)
    summary = Summary()
    names = session_names(files)
    imported: list[Exchange] = []
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("importing", total=len(files))
        for path in files:
            progress.update(task, description=f"importing {path.name}")
            kind, exchanges = load_recording_as(path, names[path])
            summary.files[kind] += 1
            summary.add(exchanges)
            imported.extend(exchanges)
            progress.advance(task)
    next_seq = max((exchange.seq for exchange in existing), default=-1) + 1
    for offset, exchange in enumerate(imported):
        exchange.seq = next_seq + offset
    with _staged(output) as temp:
        if fmt is OutputFormat.har:
            temp.write_text(json.dumps(export_har(imported), ensure_ascii=False), "utf-8")
        else:
            with TraceWriter(temp) as writer:
                writer.write_all(existing)
                writer.write_all(imported)
    return summary


def import_command(
    files: list[Path] = typer.Argument(..., help="HAR, vcrpy, go-vcr or Ruby VCR files, or .jsonl traces"),
    output: Path = typer.Option(..., "-o", "--output", help="JSONL trace (or .har) to write"),
    append: bool = typer.Option(False, "--append", help="Add to an existing JSONL trace"),
    output_format: OutputFormat = typer.Option(
        OutputFormat.auto, "--format", help="Output format; auto = .har suffix gives HAR"
    ),
) -> None:
    """Import recordings (HAR 1.2, vcrpy, go-vcr v2, Ruby VCR, JSONL) into one JSONL trace.

    Sessions are file stems (widened with folder names where stems collide); seq runs through
    the output; the output appears only when every file imported.
    """
    from recorder.trace import TraceFormatError

    fmt = _output_format(output, output_format)
    try:
        summary = _import(files, output, append, fmt, Console(stderr=True))
    except (TraceFormatError, ImportFailed) as exc:
        typer.echo(f"error: {_one_line(str(exc))}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        problem = f"cannot write {output} ({exc.strerror or exc})"
        typer.echo(f"error: {problem}; check the folder exists and is writable", err=True)
        raise typer.Exit(1) from None
    Console().print(summary.table())


def _one_line(message: str) -> str:
    return " ".join(message.split())
