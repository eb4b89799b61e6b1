"""What the schemathesis conformance tests of every twin share: the schemathesis configuration and
how hypothesis runs them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings

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
