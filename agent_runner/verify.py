"""`twins verify`: replay recordings against a fresh tenant of a twin and report its fidelity.

The twin is a built-in one (`okta`), a twin folder (`--twin DIR`, a generated twin) or a running
twin (`--url`); the parity engine (`recorder.parity`) does the replay with the service's profile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recorder.parity import Report, profile_for, verify
from recorder.parity.engine import Progress as Told
from recorder.parity.profile import Profile
from recorder.parity.session import Target
from twins import registry
from twins._runtime.errors import ConfigError
from twins._runtime.service import Service
from twins._runtime.settings import Settings
from twins.twin_dir import load_service

RECORDING_SUFFIXES = (".yaml", ".yml", ".json", ".har", ".jsonl")


@dataclass(frozen=True)
class TwinUnderTest:
    """What `verify` replays against: a name for the report, the target and the profile."""

    name: str
    target: Target
    profile: Profile


def app_factory(service: Service) -> Callable[[], Any]:
    """A factory of fresh in-process apps of a service: in-memory database, no admin token, no
    rate limits (a replay sends requests faster than any recorded client did)."""
    from twins._runtime.app import build_app

    def make() -> Any:
        return build_app(service, Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off"))

    return make


def twin_under_test(
    name: str | None, twin_dir: Path | None, url: str | None = None, profile: str | None = None
) -> TwinUnderTest:
    """The built-in twin `name`, the twin in `twin_dir`, or the running twin at `url` (named by
    `name`); ConfigError when none or two of them are given."""
    if twin_dir is not None and (name is not None or url is not None):
        raise ConfigError("give a twin's name or --twin DIR, not both (--url goes with a name)")
    if twin_dir is not None:
        if not twin_dir.is_dir():
            raise ConfigError(f"{twin_dir}: no such folder")
        service = load_service(twin_dir)
        target: Target = app_factory(service)
        name = service.name
    elif url is not None:
        target = url
        name = name or "twin"
    elif name is not None:
        target = app_factory(registry.load(name))
    else:
        raise ConfigError("name a twin (e.g. `okta`) or give --twin DIR")
    chosen = profile_for(profile or name)
    if profile is not None and chosen.name != profile:
        raise ConfigError(f"no parity profile {profile!r}")
    return TwinUnderTest(name, target, chosen)


def recording_files(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for every recording under it (cassettes, HAR, JSONL)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES
            )
        else:
            out.append(path)
    if not out:
        raise ConfigError("no recordings: give --traces FILE or a folder that holds cassettes or traces")
    return out


@contextmanager
def progress_bar(console: Console, what: str) -> Iterator[Told]:
    """A rich progress bar told after each recording (on stderr, so the summary stays clean)."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[recording]}", style="dim"),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task(what, total=None, recording="")

        def told(name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, recording=name[-50:])

        yield told


def run_verify(
    twin: TwinUnderTest,
    traces: Sequence[Path],
    *,
    admin_token: str | None = None,
    progress: Told | None = None,
) -> Report:
    """The parity report of a twin on recordings; the report is named after the twin."""
    report = verify(
        twin.target,
        recording_files(traces),
        profile=twin.profile,
        admin_token=admin_token,
        progress=progress,
    )
    return dataclasses.replace(report, service=twin.name)


def endpoint_table(report: Report, rows: int) -> Table:
    """The endpoints with the lowest fidelity first, each with its most frequent mismatch."""
    table = Table(title=f"{report.service}: fidelity by endpoint (lowest first)", title_justify="left")
    table.add_column("endpoint", overflow="fold")
    table.add_column("exchanges", justify="right")
    table.add_column("match", justify="right")
    table.add_column("fidelity", justify="right")
    table.add_column("main mismatch", overflow="fold")
    endpoints = sorted(report.by_endpoint().items(), key=lambda item: (item[1]["fidelity"], item[0]))
    for name, row in endpoints[:rows]:
        main = row["causes"].most_common(1)
        cause = f"{main[0][0]} ({main[0][1]}x)" if main else ""
        style = "green" if row["fidelity"] == 1 else "yellow" if row["fidelity"] >= 0.5 else "red"
        table.add_row(
            name, str(row["exchanges"]), str(row["passed"]), f"[{style}]{row['fidelity']:.0%}[/]", cause
        )
    if len(endpoints) > rows:
        table.caption = f"{len(endpoints) - rows} more endpoints, every one at 100% or listed in the reports"
        if endpoints[rows][1]["fidelity"] < 1:
            table.caption = f"{len(endpoints) - rows} more endpoints in --json/--markdown"
    return table


def print_summary(report: Report, console: Console, *, rows: int = 10, mismatches: int = 6) -> None:
    """One screen: overall fidelity, the weakest endpoints, the most frequent mismatches explained,
    what could not be replayed."""
    f = report.figures()
    colour = "green" if report.fidelity >= 0.9 else "yellow" if report.fidelity >= 0.5 else "red"
    console.print(
        f"[bold]{report.service}[/] fidelity [bold {colour}]{report.fidelity:.1%}[/] "
        f"({f['exchanges_passed']}/{f['exchanges_served']} replayed exchanges match; "
        f"{f['recordings_passed']}/{f['recordings_served']} recordings fully)",
        highlight=False,
    )
    console.print(report.coverage(), highlight=False, style="dim")
    if report.outcomes:
        console.print(endpoint_table(report, rows))
    failed = sum(not o.passed for o in report.outcomes)
    if failed:
        console.print(
            f"[bold]main mismatches[/] ({failed} exchanges differ; all explained in --json/--markdown):"
        )
        for cause, count in report.causes(mismatches):
            console.print(
                f"  {count:4}  {cause}", highlight=False, markup=False, no_wrap=True, overflow="ellipsis"
            )
    unserved = report.unserved()
    if unserved:
        top = ", ".join(f"{e} ({n})" for e, n in unserved.most_common(4))
        console.print(f"[bold]not replayed[/]: endpoints the twin does not serve: {top}", highlight=False)
