"""How faithful a generated twin is to recordings: the parity engine's replay, on fresh tenants."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from agent_runner.model import ServiceModel
from recorder.parity import Profile, Report, profile_for, verify
from recorder.parity.engine import RecordingInput
from recorder.parity.relax import relaxer
from twins._runtime.app import build_app
from twins._runtime.service import Service
from twins._runtime.settings import Settings
from twins.twin_dir import load_service, module_name


@dataclass(frozen=True)
class Score:
    """Replayed exchanges that match (status and body, values compared), of those replayed."""

    matched: int
    replayed: int
    total: int

    @property
    def text(self) -> str:
        if not self.total:
            return "no recordings"
        share = 100 * self.matched / self.replayed if self.replayed else 0.0
        return f"{self.matched}/{self.replayed} ({share:.1f}%) of {self.total} exchanges"

    @classmethod
    def of(cls, report: Report) -> Score:
        f = report.figures()
        return cls(f["exchanges_passed"], f["exchanges_served"], f["exchanges"])


def forget(folder: Path) -> None:
    """Drop the twin's modules from this process, so the next load reads the files again."""
    name = module_name(folder)
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[loaded]


def profile_of(service: str) -> Profile:
    """The vendor's parity profile, without what looks into a hand-built twin's own tables (a
    generated twin keeps JSON documents; recorded ids it has not seen stay as they are)."""
    return dataclasses.replace(profile_for(service), resolve=None)


def relaxed(profile: Profile, folder: Path) -> Profile:
    """`profile` comparing by type only the fields the twin's model found changing on their own
    (`agent_runner.volatile`, `recorder.parity.relax`)."""
    if not (folder / "model.json").is_file():
        return profile
    model = ServiceModel.load(folder / "model.json")
    if not model.volatile:
        return profile
    templates = [f"{op.method} {op.path}" for op in model.operations]
    return dataclasses.replace(profile, relax=relaxer(model.volatile, templates))


def app_factory(service: Service) -> FastAPI:
    settings = Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off")
    return build_app(service, settings)


def report_for(folder: Path, traces: Sequence[Path | RecordingInput], *, fresh: bool = False) -> Report:
    if fresh:
        forget(folder)
    service = load_service(folder)
    profile = relaxed(profile_of(service.name), folder)
    return verify(lambda: app_factory(service), traces, profile=profile)


def fidelity(folder: Path, traces: Sequence[Path | RecordingInput], *, fresh: bool = False) -> Score:
    if not traces:
        return Score(0, 0, 0)
    return Score.of(report_for(folder, traces, fresh=fresh))
