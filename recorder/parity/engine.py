"""The parity engine's entry point: replay recordings against a twin and report its fidelity."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from recorder.importers import load_recording, session_names
from recorder.parity.generic import GENERIC
from recorder.parity.profile import Profile
from recorder.parity.replay import Replay, Step
from recorder.parity.report import Declared, Outcome, Recording, Report, outcome
from recorder.parity.session import Served, Target, open_session, served_matcher
from recorder.parity.values import Difference
from recorder.trace import Exchange

RecordingInput = tuple[str, list[Exchange]]
# Told once a recording is done: its name, how many are done, how many there are.
Progress = Callable[[str, int, int], None]
# Modules of the engine itself, not vendor profiles.
NOT_PROFILES = frozenset({"engine", "generic", "profile", "replay", "report", "session", "values"})


def profile_for(service: str) -> Profile:
    """The vendor profile of a service name (the `PROFILE` of `recorder.parity.<service>`: okta,
    slack, github...), else the generic one."""
    if not service.isidentifier() or service in NOT_PROFILES:
        return GENERIC
    try:
        module = importlib.import_module(f"recorder.parity.{service}")
    except ModuleNotFoundError:
        return GENERIC
    profile = getattr(module, "PROFILE", None)
    return profile if isinstance(profile, Profile) else GENERIC


def load_traces(paths: Sequence[Path]) -> list[RecordingInput]:
    """(name, exchanges) per recorded session: a cassette, or each session of a JSONL trace."""
    out: list[RecordingInput] = []
    names = session_names(list(paths))
    for path in paths:
        exchanges = load_recording(path, names[path])
        sessions: dict[str, list[Exchange]] = {}
        for exchange in exchanges:
            sessions.setdefault(exchange.session or names[path], []).append(exchange)
        out += [(name, items) for name, items in sessions.items() if items]
    return out


def unserved(exchanges: Sequence[Exchange], served: Served, profile: Profile) -> list[str]:
    """Endpoints of a recording the twin has no route for. A URL on another host that an earlier
    answer handed out (an upload URL) counts as served: the twin hands out its own."""
    handed_out = ""
    missing = []
    api_host = urlsplit(exchanges[0].request.url).netloc if exchanges else ""
    for exchange in exchanges:
        url = exchange.request.url.split("?")[0]
        elsewhere = urlsplit(url).netloc != api_host and url in handed_out
        if not served(exchange.request.method, urlsplit(url).path) and not elsewhere:
            missing.append(profile.endpoint(exchange))
        handed_out += exchange.response.body.text.replace("\\/", "/")
        handed_out += " ".join(v for _, v in exchange.response.headers)
    return missing


async def replay_recording(
    target: Target, exchanges: Sequence[Exchange], profile: Profile, admin_token: str | None = None
) -> list[Step]:
    """Every exchange of one recording replayed, in order, on a fresh tenant."""
    async with open_session(target, admin_token) as session:
        return await Replay(session, profile, exchanges).run()


async def verify_async(
    target: Target,
    traces: Sequence[Path | RecordingInput],
    *,
    profile: Profile | None = None,
    declared: Declared | None = None,
    admin_token: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Replay every recording the twin fully serves on a fresh tenant; report the others as unserved.

    `traces` are recording files (cassettes, HAR, JSONL traces) or (name, exchanges) pairs;
    `progress` is told after each recording."""
    recordings = load_traces([t for t in traces if isinstance(t, Path)])
    recordings += [t for t in traces if not isinstance(t, Path)]
    if profile is None:
        profile = profile_for(service_of(recordings))
    known = profile.declared if declared is None else declared
    served = await served_matcher(target, admin_token)
    report = Report(profile.name)
    for done, (name, exchanges) in enumerate(recordings, 1):
        recording = Recording(name, len(exchanges), unserved(exchanges, served, profile))
        if recording.served:
            steps = await replay_recording(target, exchanges, profile, admin_token)
            recording.outcomes = [to_outcome(name, step, known, profile.relax) for step in steps]
        report.recordings.append(recording)
        if progress is not None:
            progress(name, done, len(recordings))
    return report


def service_of(recordings: Sequence[RecordingInput]) -> str:
    """The one service the recordings talk to (from their URLs), or "" when they talk to several."""
    services = {e.service for _, items in recordings for e in items}
    return services.pop() if len(services) == 1 else ""


def to_outcome(
    name: str,
    step: Step,
    declared: Declared,
    relax: Callable[[Exchange, Difference], str | None] | None = None,
) -> Outcome:
    status = (step.exchange.response.status, step.status)
    found = outcome(name, step.exchange.seq, step.endpoint, status, step.differences, declared)
    if relax is not None and found.undeclared:
        relaxed = [(d, relax(step.exchange, d)) for d in found.undeclared]
        found.undeclared = [d for d, why in relaxed if why is None]
        found.declared += [(d, why) for d, why in relaxed if why is not None]
    return found


def verify(
    target: Target,
    traces: Sequence[Path | RecordingInput],
    *,
    profile: Profile | None = None,
    declared: Declared | None = None,
    admin_token: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """`verify(app_factory or base_url, traces) -> Report`, for callers outside an event loop."""
    return asyncio.run(
        verify_async(
            target, traces, profile=profile, declared=declared, admin_token=admin_token, progress=progress
        )
    )
