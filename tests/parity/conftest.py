"""Parity runs collect one line per replayed exchange; the session ends with the share that matched."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

PARITY_LOG = pytest.StashKey[list["Outcome"]]()


@dataclass(frozen=True)
class Outcome:
    """One replayed exchange: `exact` without any declared difference, `passed` with them."""

    twin: str
    recording: str
    exchange: str
    exact: bool
    passed: bool


@pytest.fixture
def parity_log(request: pytest.FixtureRequest) -> list[Outcome]:
    return request.config.stash.setdefault(PARITY_LOG, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    log = config.stash.get(PARITY_LOG, [])
    for twin in sorted({o.twin for o in log}):
        rows = [o for o in log if o.twin == twin]
        exact = sum(o.exact for o in rows)
        passed = sum(o.passed for o in rows)
        terminalreporter.write_line(
            f"parity {twin}: {exact}/{len(rows)} recorded exchanges match exactly "
            f"({100 * exact / len(rows):.0f}%), {passed}/{len(rows)} with the declared differences"
        )
