"""What the schemathesis conformance tests of every twin share: how hypothesis runs them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings


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
