"""Fidelity of twins generated from traffic, on the reference recordings (`../shared/reference`).

    python -m bench.generated_fidelity crossval okta|jira|github [--seed 13] [--train 0.8] [--report DIR]
    python -m bench.generated_fidelity extend [--seed 13]
    python -m bench.generated_fidelity generate okta

`crossval`: the recordings split by cassette (a fixed seed), a twin generated from the training
part and replayed by the parity engine on the held-out part; the figure is the share of replayed
held-out exchanges on endpoints seen in training that match (status, error code and body with
values compared; fields the training traffic shows changing between reads of the same thing with no
write in between are compared by type, and counted: `relaxed_comparisons`). Each held-out recording
is replayed twice: on a tenant given the objects its own lists show it did not make
(`recorder.parity.world`, which reads the held-out answers: `match_on_seen`), and on a tenant with
the twin's seed alone (`unprimed`). Both figures are also given over the exchanges whose path names
only objects a training recording shows or the held-out recording made or showed first
(`on_known_objects`, `bench.known_objects`): what is left outside them asks for a state no
training recording holds. `--report DIR` writes both parity reports there, as JSON and
markdown (every mismatch with its differences). `extend`: the
hand-built Okta twin alone and extended with operations generated from all Okta traffic, replayed
on every Okta recording: recordings it serves every request of, and parity over them. `generate`:
wall and CPU time and peak memory of inferring and writing the twin from all of one service's
traffic (run it under `/usr/bin/time -v` for the peak).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent_runner.cli import expand
from agent_runner.fidelity import app_factory, forget, profile_of, relaxed
from agent_runner.generate import generate
from agent_runner.infer import infer
from bench.known_objects import known_exchanges
from recorder.parity import Report, verify
from recorder.parity.engine import RecordingInput, load_traces
from recorder.parity.relax import REASON
from twins.twin_dir import load_service

BESIDE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
REFERENCE = Path(os.environ.get("TWINS_REFERENCE") or BESIDE)
SOURCES = {
    "okta": [REFERENCE / "okta" / "terraform-provider-okta"],
    "jira": [REFERENCE / "jira" / "django-DefectDojo", REFERENCE / "jira" / "connector-jira"],
    "github": [REFERENCE / "github" / "github3.py" / "tests" / "cassettes"],
}


def recordings(service: str) -> list[Path]:
    files = expand([p for p in SOURCES[service] if p.is_dir()])
    if service == "github":
        return [f for f in files if f.suffix == ".json"]
    return [f for f in files if f.suffix in (".yaml", ".yml")]


def without_other_hosts(recs: list[RecordingInput], service: str) -> list[RecordingInput]:
    """The exchanges that talk to the service (DefectDojo's cassettes also call its webhook)."""
    out = []
    for name, items in recs:
        kept = [e for e in items if e.service == service or service == "github"]
        if kept:
            out.append((name, kept))
    return out


def build(service: str, train: list[RecordingInput], out: Path) -> Any:
    model = infer(service, train)
    generate(model, out)
    forget(out)
    svc = load_service(out)
    return lambda: app_factory(svc)


def on_seen(report: Report, seen: set[str], known: set[tuple[str, int]] | None = None) -> tuple[int, int]:
    """Matched and replayed held-out exchanges on endpoints seen in training (and, given `known`,
    on objects a twin could know: `bench.known_objects`)."""
    outcomes = [
        o for o in report.outcomes if o.endpoint in seen and (known is None or (o.recording, o.seq) in known)
    ]
    return sum(o.passed for o in outcomes), len(outcomes)


def figure(matched: int, replayed: int) -> dict[str, Any]:
    return {
        "replayed_on_seen": replayed,
        "matched_on_seen": matched,
        "match_on_seen": round(100 * matched / replayed, 1) if replayed else 0.0,
    }


def write_report(report: Report, folder: Path, stem: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(report.to_json())
    (folder / f"{stem}.md").write_text(report.to_markdown())


def crossval(service: str, seed: int, share: float, out: Path | None = None) -> dict[str, Any]:
    files = recordings(service)
    rng = random.Random(seed)
    rng.shuffle(files)
    cut = int(len(files) * share)
    train = without_other_hosts(load_traces(files[:cut]), service)
    test = without_other_hosts(load_traces(files[cut:]), service)
    profile = profile_of(service)
    seen = {profile.endpoint(e) for _, items in train for e in items}
    known = known_exchanges(train, test, profile.endpoint)
    with tempfile.TemporaryDirectory(prefix="crossval-") as tmp:
        t0 = time.perf_counter()
        factory = build(service, train, Path(tmp) / f"{service}_twin")
        built = time.perf_counter() - t0
        profile = relaxed(profile, Path(tmp) / f"{service}_twin")
        report = verify(factory, test, profile=profile)
        bare = verify(factory, test, profile=dataclasses.replace(profile, prime_world=False))
    if out is not None:
        write_report(report, out, f"crossval-{service}-{seed}")
        write_report(bare, out, f"crossval-{service}-{seed}-unprimed")
    matched, replayed = on_seen(report, seen)
    matched_bare, replayed_bare = on_seen(bare, seen)
    figures = report.figures()
    relaxing = [
        o for o in report.outcomes if o.endpoint in seen and any(why == REASON for _, why in o.declared)
    ]
    return {
        "service": service,
        "seed": seed,
        "train_recordings": cut,
        "test_recordings": len(files) - cut,
        "generate_s": round(built, 1),
        **figure(matched, replayed),
        # the same replay on tenants not given the held-out recordings' pre-existing objects
        "unprimed": figure(matched_bare, replayed_bare),
        # the exchanges whose path names only objects a training recording shows, or the held-out
        # recording made or showed first (`bench.known_objects`), primed and not
        "on_known_objects": figure(*on_seen(report, seen, known)),
        "on_known_objects_unprimed": figure(*on_seen(bare, seen, known)),
        # comparisons compared by type only (fields the training traffic shows changing on their
        # own, `recorder.parity.relax`), and the matches on seen endpoints that needed them
        "relaxed_comparisons": sum(why == REASON for o in report.outcomes for _, why in o.declared),
        "matched_by_relaxing": sum(o.passed for o in relaxing),
        **figures,
        "causes": report.causes(15),
    }


def extend(seed: int) -> dict[str, Any]:
    from agent_runner.extend import extended, only_unserved
    from twins import registry

    del seed
    files = recordings("okta")
    recs = without_other_hosts(load_traces(files), "okta")
    okta = registry.load("okta")
    out: dict[str, Any] = {}
    hand = verify(lambda: app_factory(okta), recs)
    out["hand_built"] = hand.figures()
    with tempfile.TemporaryDirectory(prefix="extend-") as tmp:
        folder = Path(tmp) / "okta_extension"
        generate(only_unserved(infer("okta", recs), okta), folder)
        forget(folder)
        wider = extended(okta, folder)
        report = verify(lambda: app_factory(wider), recs)
    out["extended"] = report.figures()
    out["extended_causes"] = report.causes(15)
    out["extended_unserved"] = report.unserved().most_common(10)
    return out


def generate_all(service: str) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    recs = load_traces(recordings(service))
    loaded = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="generate-") as tmp:
        model = infer(service, recs)
        generate(model, Path(tmp) / f"{service}_twin")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "service": service,
        "exchanges": model.exchanges,
        "operations": len(model.operations),
        "read_s": round(loaded, 1),
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        "peak_rss_mb": round(peak_mb),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("crossval", "extend", "generate"))
    p.add_argument("service", nargs="?", default="okta", choices=tuple(SOURCES))
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--train", type=float, default=0.8)
    p.add_argument("--report", type=Path, help="crossval: write both parity reports (JSON, markdown) here")
    args = p.parse_args()
    if not all(p.is_dir() for p in SOURCES[args.service]):
        sys.exit(f"{SOURCES[args.service]}: the reference recordings are not here")
    if args.what == "crossval":
        result = crossval(args.service, args.seed, args.train, args.report)
    elif args.what == "extend":
        result = extend(args.seed)
    else:
        result = generate_all(args.service)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
