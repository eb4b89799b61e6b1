"""The `twins verify` command: options, progress, the one-screen summary and the report files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agent_runner.verify import print_summary, progress_bar, run_verify, twin_under_test
from recorder.parity.session import AdminError
from recorder.trace import TraceFormatError
from twins import registry
from twins._runtime.errors import ConfigError

HELP = """Replay recorded traffic against a fresh tenant of a twin and report its fidelity.

Every recording (a cassette, a HAR file or each session of a JSONL trace) whose requests the twin
all serves is replayed in order on a fresh tenant: recorded ids, paging cursors and credentials
are mapped to the twin's, and each answer is compared with the recorded one (status, error code,
every recorded key path and every value that is not volatile). Fidelity is the share of replayed
exchanges that match; every mismatch is explained in the reports.

\b
  twins verify okta --traces ../shared/reference/okta/terraform-provider-okta/test/fixtures/vcr
  twins verify --twin ./acme-twin --traces traces/acme/*.jsonl --markdown parity.md
  twins verify jira --url http://127.0.0.1:8092 --admin-token TOKEN --traces t.jsonl
"""


def verify_command(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            help="the twin's name (okta, slack, jira or one TWINS_EXTRA_SERVICES names), then more "
            "recordings; with --twin every argument is a recording",
            show_default=False,
        ),
    ] = None,
    twin: Annotated[
        Path | None, typer.Option("--twin", help="a twin folder (a generated twin) instead of a name")
    ] = None,
    traces: Annotated[
        list[Path] | None,
        typer.Option(
            "--traces",
            help="recordings: HAR, vcrpy, go-vcr, Ruby VCR, Betamax, .jsonl, or folders of them (repeatable)",
        ),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full report as JSON")] = None,
    markdown_out: Annotated[
        Path | None, typer.Option("--markdown", help="write the full report as Markdown")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="verify a running twin at this base URL instead")
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option("--admin-token", envvar="TWINS_ADMIN_TOKEN", help="admin token of the twin at --url"),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="parity profile: okta, slack, github, generic... (default: the twin's)"
        ),
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", min=0.0, max=1.0, help="exit 1 when fidelity is below this share"),
    ] = None,
) -> None:
    """Replay recordings against a fresh tenant of a twin; report fidelity per endpoint and overall."""
    err = Console(stderr=True)
    items = list(args or [])
    name = None if twin is not None or not items else items.pop(0)
    paths = [*(traces or []), *(Path(item) for item in items)]
    try:
        if twin is not None and items and not Path(items[0]).exists() and items[0] in registry.available():
            raise ConfigError(f"give a twin's name ({items[0]}) or --twin DIR, not both")
        under_test = twin_under_test(name, twin, url, profile)
        if not paths:
            raise ConfigError("no recordings: give --traces FILE... or a folder of them")
        with progress_bar(err, f"verify {under_test.name}") as told:
            report = run_verify(under_test, paths, admin_token=admin_token, progress=told)
    except (ConfigError, TraceFormatError, AdminError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console = Console()
    print_summary(report, console)
    for path, text in ((json_out, report.to_json), (markdown_out, report.to_markdown)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(), encoding="utf-8")
            console.print(f"wrote {path}", highlight=False)
    if fail_under is not None and report.fidelity < fail_under:
        err.print(f"fidelity {report.fidelity:.1%} is below --fail-under {fail_under:.0%}", highlight=False)
        raise typer.Exit(1)
