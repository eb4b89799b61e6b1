"""Satisfaction arithmetic."""

from __future__ import annotations

import pytest

from holdout.stats import is_flaky, parse_shard, shard, wilson


def test_wilson_interval_matches_known_values() -> None:
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)


def test_flaky_means_mixed_outcomes() -> None:
    assert is_flaky(2, 3) and not is_flaky(3, 3) and not is_flaky(0, 3)


def test_shards_split_a_suite_without_overlap() -> None:
    items = list(range(10))
    parts = [shard(items, i, 3) for i in (1, 2, 3)]
    assert sorted(x for p in parts for x in p) == items
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x", "1-3"):
        with pytest.raises(ValueError):
            parse_shard(bad)
