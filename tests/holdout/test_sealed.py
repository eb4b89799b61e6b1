"""Sealed suites: encrypted on disk, opened in memory with the key from TWINS_HOLDOUT_KEY."""

from __future__ import annotations

from pathlib import Path

import pytest

from holdout import sealed
from tests.holdout.test_scenario import EXAMPLES, GOOD


def test_seal_and_open_round_trip_without_plaintext_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sealed.KEY_ENV, sealed.new_key())
    out = tmp_path / "suite.sealed"
    assert sealed.seal(EXAMPLES, out) >= 10
    blob = out.read_bytes()
    assert b"access-requests" not in blob and b"data-warehouse" not in blob
    scenarios = sealed.load_sealed(out)
    assert {s.name for s in scenarios} >= {"grant after approval", "approver denies"}


def test_a_wrong_or_missing_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text(GOOD)
    out = tmp_path / "suite.sealed"
    sealed.seal(tmp_path / "s", out, key=sealed.new_key())
    monkeypatch.setenv(sealed.KEY_ENV, sealed.new_key())
    with pytest.raises(sealed.SealError, match="wrong TWINS_HOLDOUT_KEY"):
        sealed.load_sealed(out)
    monkeypatch.delenv(sealed.KEY_ENV)
    with pytest.raises(sealed.SealError, match="set TWINS_HOLDOUT_KEY"):
        sealed.load_sealed(out)
    monkeypatch.setenv(sealed.KEY_ENV, "not-a-key")
    with pytest.raises(sealed.SealError, match="not a Fernet key"):
        sealed.load_sealed(out)
