"""What the schemathesis conformance tests of every twin share: the schemathesis configuration and
how hypothesis runs them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings

ROOT = Path(__file__).resolve().parents[2]

# Generated cases only (no spec examples, coverage or stateful phases), the same ones every run.
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "generation": {"deterministic": True, "database": "none"},
    }
)


def examples(variable: str, default: int) -> int:
    """Examples per operation: `default`, or the number in the environment variable `variable`."""
    return int(os.environ.get(variable, str(default)))


def conformance_settings(max_examples: int) -> Callable[[Any], Any]:
    """Deterministic generation (the same cases every run), no deadline, no health checks: a twin
    operation that fails here fails the same way on the next run."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
    )


def coverage_is_current(service: str, specs: list[Path], tmp_path: Path, monkeypatch: Any) -> None:
    """twins/<service>/COVERAGE.md is what `twins coverage <service>` writes today from `specs`."""
    from typer.testing import CliRunner

    from tests.support.specs import load_spec
    from twins.cli import app as cli

    # The command's own reading of the documents, parsed once per process (tests/support/specs.py).
    monkeypatch.setattr("twins._runtime.coverage.load_spec", load_spec)
    monkeypatch.setenv("TWINS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TWINS_DATABASE_URL", raising=False)
    fresh = tmp_path / "COVERAGE.md"
    args = [
        "coverage",
        service,
        *(part for spec in specs for part in ("--spec", str(spec))),
        "-o",
        str(fresh),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    committed = ROOT / "twins" / service / "COVERAGE.md"
    names = " ".join(f"--spec <{spec.name}>" for spec in specs)
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        f"twins/{service}/COVERAGE.md is stale: run "
        f"`twins coverage {service} {names} -o twins/{service}/COVERAGE.md`"
    )


def exclusions_are_documented(service: str, excluded: dict[str, str]) -> None:
    """Every operation whose schema check is excluded names its reason and is in LIMITATIONS.md."""
    limitations = (ROOT / "twins" / service / "LIMITATIONS.md").read_text(encoding="utf-8")
    for key, reason in excluded.items():
        assert reason.strip()
        assert f"`{key}`" in limitations, f"LIMITATIONS.md does not mention `{key}`"
