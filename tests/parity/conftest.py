"""Parity runs collect one report per twin; the session ends with each twin's headline and coverage
(and, when TWINS_PARITY_REPORTS names a folder, writes the full reports there as JSON and Markdown)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recorder.parity import Report

# `../shared/reference` beside the repository; TWINS_REFERENCE names it where the checkout lives
# elsewhere (a git worktree, a CI workspace).
REFERENCE = Path(
    os.environ.get("TWINS_REFERENCE") or Path(__file__).resolve().parents[2].parent / "shared" / "reference"
)
PARITY_REPORTS = pytest.StashKey[list[Report]]()


def summary(report: Report) -> str:
    """A report's headline, coverage and its most frequent undeclared differences."""
    lines = [report.headline(), report.coverage(), "main undeclared differences:"]
    lines += [f"  {count:4} {cause}" for cause, count in report.causes(40)]
    return "\n".join(lines)


@pytest.fixture
def parity_reports(request: pytest.FixtureRequest) -> list[Report]:
    return request.config.stash.setdefault(PARITY_REPORTS, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    reports = config.stash.get(PARITY_REPORTS, [])
    for service in sorted({r.service for r in reports}):
        merged = Report(service, [rec for r in reports if r.service == service for rec in r.recordings])
        terminalreporter.write_line(merged.headline())
        terminalreporter.write_line(merged.coverage())
        folder = os.environ.get("TWINS_PARITY_REPORTS")
        if folder:  # the full reports, every mismatch explained
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{service}.json").write_text(merged.to_json(), encoding="utf-8")
            (Path(folder) / f"{service}.md").write_text(merged.to_markdown(), encoding="utf-8")
