"""`twins regenerate`: what new recordings show is merged into a generated twin, what it knew is
kept, and fidelity is reported before and after on the old and the new recordings."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from agent_runner.fidelity import fidelity
from agent_runner.model import ServiceModel
from tests.agent_runner.test_extend import roles_session
from tests.agent_runner.traffic import okta_session, write
from twins.cli import app as cli


def traces_args(files: list[Path]) -> list[str]:
    return [a for f in files for a in ("--traces", str(f))]


def test_regenerate_merges_new_endpoints_and_reports_fidelity(tmp_path: Path) -> None:
    old = write(tmp_path / "old", {f"u{n}": okta_session(n) for n in range(3)})
    new = write(tmp_path / "new", {f"r{n}": roles_session(n + 10) for n in range(3)})
    twin = tmp_path / "okta_twin"
    runner = CliRunner()
    made = runner.invoke(cli, ["generate", "okta", "--out", str(twin), *traces_args(old)])
    assert made.exit_code == 0, made.output
    before = ServiceModel.load(twin / "model.json")
    assert before.operation("POST", "/api/v1/users/{userId}/roles") is None
    score_new_before = fidelity(twin, new, fresh=True)

    result = runner.invoke(cli, ["regenerate", "okta", "--twin", str(twin), *traces_args(new)])
    assert result.exit_code == 0, result.output
    assert "fidelity" in result.output and "before" in result.output and "after" in result.output

    after = ServiceModel.load(twin / "model.json")
    assert after.operation("POST", "/api/v1/users/{userId}/roles") is not None
    assert after.operation("POST", "/api/v1/users/{userId}/lifecycle/deactivate") is not None  # kept
    assert set(after.traces) == {str(p.resolve()) for p in old + new}
    create = after.operation("POST", "/api/v1/users")
    assert create is not None and create.count == before.operation("POST", "/api/v1/users").count + 3  # type: ignore[union-attr]

    score_new_after = fidelity(twin, new, fresh=True)
    score_old_after = fidelity(twin, old, fresh=True)
    assert score_new_after.replayed > score_new_before.replayed  # the roles recordings are served now
    assert score_new_after.matched > score_new_before.matched
    assert score_old_after.replayed == sum(len(okta_session(n)) for n in range(3))
