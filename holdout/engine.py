"""Trials: for each scenario, N trials run in lanes against one process per twin. A lane owns one
tenant per twin: its first trial creates and seeds it and snapshots the seeded world; each later
trial resets the tenant to that snapshot (the twin restores it in memory, one bulk write), so every
trial starts from exactly the seeded state. Then app -> steps -> settle -> assert."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from holdout import rules, steps
from holdout.appctl import AppFailed, AppSpec, RunningApp
from holdout.judge import Provider, judge
from holdout.rules import Outcome
from holdout.scenario import Scenario
from holdout.seeding import World, build_world
from holdout.stats import is_flaky, share, wilson
from holdout.twinset import TwinsError, TwinSet

DEFAULT_TRIALS = 3
# Fault profiles a run may cycle its trials through (`--fault-profile`), on every twin a scenario uses.
PROFILES: dict[str, list[dict[str, Any]]] = {
    "none": [],
    "latency": [{"action": "latency", "latency_ms": 150, "probability": 0.5}],
    "5xx": [{"action": "error", "status": 503, "probability": 0.2, "times": 2}],
    "429": [{"action": "rate_limit", "probability": 1.0, "times": 2, "retry_after": 1}],
}


@dataclass
class Options:
    trials: int | None = None  # None: each scenario's own `trials`, else DEFAULT_TRIALS
    parallel: int = 4
    seed: int = 1
    settle: float = 0.5
    app: str | None = None
    profiles: list[str] = field(default_factory=lambda: ["none"])
    provider: Provider | None = None
    keep_tenants: bool = False
    fresh_worlds: bool = False  # seed a new world for every trial instead of one per lane


@dataclass
class TrialResult:
    """One trial: satisfied or not, why (private), and how long it took."""

    index: int
    seed: int
    profile: str
    satisfied: bool
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    app_output: str = ""


@dataclass
class ScenarioResult:
    scenario: Scenario
    trials: list[TrialResult] = field(default_factory=list)

    @property
    def satisfied(self) -> int:
        return sum(t.satisfied for t in self.trials)

    @property
    def satisfaction(self) -> float:
        return share(self.satisfied, len(self.trials))

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.satisfied, len(self.trials))

    @property
    def flaky(self) -> bool:
        return is_flaky(self.satisfied, len(self.trials))


@dataclass
class SuiteResult:
    scenarios: list[ScenarioResult]
    threshold: float
    seconds: float = 0.0

    @property
    def trials(self) -> int:
        return sum(len(s.trials) for s in self.scenarios)

    @property
    def satisfied(self) -> int:
        return sum(s.satisfied for s in self.scenarios)

    @property
    def satisfaction(self) -> float:
        return share(self.satisfied, self.trials)

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.satisfied, self.trials)

    @property
    def passed(self) -> bool:
        return self.trials > 0 and self.satisfaction >= self.threshold


def trial_count(scenario: Scenario, opts: Options) -> int:
    return int(opts.trials or scenario.data.get("trials") or DEFAULT_TRIALS)


def trial_seed(base: int, scenario: Scenario, index: int) -> int:
    """Different for every trial and scenario, the same for the same run seed."""
    digest = int(hashlib.sha256(scenario.name.encode()).hexdigest()[:8], 16)
    return (base * 1_000_003 + digest * 7919 + index) % 2_000_000_000


def tenant_id(scenario: Scenario, index: int, run: str) -> str:
    return f"ho-{run}-{scenario.key[2:]}-{index}"


WORLD_SNAPSHOT = "holdout-world"


def lane_count(scenario: Scenario, opts: Options) -> int:
    """Lanes of a scenario: one world each (its own seed), at most `--parallel` of them."""
    trials = trial_count(scenario, opts)
    return trials if opts.fresh_worlds else max(1, min(trials, opts.parallel))


@dataclass
class Lane:
    """A scenario's tenant on every twin it uses, seeded once, reset to its world before each trial."""

    scenario: Scenario
    tenant: str
    seed: int
    world: World | None = None

    async def prepare(self, twins: TwinSet) -> World:
        """The trial's world: built (and snapshotted) the first time, reset to the snapshot after."""
        names = self.scenario.twins
        if self.world is None:
            world = await build_world(twins, self.scenario, self.tenant, self.seed)
            for name in names:
                world.cursors[name] = await twins[name].journal_cursor(self.tenant)
                await twins[name].admin("POST", "/snapshot", self.tenant, json={"name": WORLD_SNAPSHOT})
            self.world = world
            return replace(world, cursors=dict(world.cursors))
        for name in names:  # a reset forgets the journal, the twin's logs and queues, and faults
            await twins[name].admin("POST", "/reset", self.tenant, json={"snapshot": WORLD_SNAPSHOT})
        return replace(self.world, cursors=dict.fromkeys(names, 0))

    async def drop(self, twins: TwinSet) -> None:
        for name in self.scenario.twins:
            with contextlib.suppress(TwinsError):
                await twins[name].drop_tenant(self.tenant)


async def expectations(twins: TwinSet, world: World, scenario: Scenario, opts: Options) -> list[Outcome]:
    """Rule expectations (re-polled while they fail, up to the settle time), then judged ones."""
    rule_specs = [e for e in scenario.data["expect"] if "judge" not in e]
    deadline = time.monotonic() + max(opts.settle, 0.0) * 4
    while True:
        outcomes = [await rules.evaluate(twins, world, e) for e in rule_specs]
        if all(o.passed for o in outcomes) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    for item in scenario.data["expect"]:
        if "judge" in item:
            outcomes.append(await judge(twins, world, item["judge"], opts.provider))
    return outcomes


async def apply_profile(twins: TwinSet, world: World, scenario: Scenario, profile: str) -> None:
    for name in scenario.twins:
        for rule in PROFILES[profile]:
            await steps.add_fault(twins, world, {"twin": name, **rule})
    for fault in scenario.data.get("faults") or []:
        await steps.add_fault(twins, world, fault)


async def run_trial(twins: TwinSet, lane: Lane, index: int, opts: Options) -> TrialResult:
    """One trial in its lane's tenant; every failure becomes a verdict, never an exception."""
    started = time.perf_counter()
    scenario = lane.scenario
    profile = opts.profiles[index % len(opts.profiles)]
    result = TrialResult(index, lane.seed, profile, satisfied=False)
    app = RunningApp(AppSpec.of(scenario.data.get("app"), opts.app))
    try:
        world = await lane.prepare(twins)
        if app.spec.present:
            await app.start(world)
            if "slack" in scenario.twins:
                await app.wire_slack(twins, world)
        await apply_profile(twins, world, scenario, profile)
        for step in scenario.data.get("steps") or []:
            await steps.run_step(twins, world, step)
        if app.spec.present and opts.settle > 0:
            await asyncio.sleep(opts.settle)
        result.outcomes = await expectations(twins, world, scenario, opts)
        counted = [o for o in result.outcomes if not o.skipped]
        result.satisfied = all(o.passed for o in counted)
    except (AppFailed, steps.StepFailed, TwinsError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # one broken trial (a twin unreachable, an app that cannot start) is a verdict
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        result.app_output = await app.stop() if app.spec.present else ""
    result.seconds = time.perf_counter() - started
    return result


Progress = Callable[[ScenarioResult, TrialResult], None]


async def run_suite(
    twins: TwinSet,
    scenarios: list[Scenario],
    opts: Options,
    threshold: float,
    progress: Progress | None = None,
) -> SuiteResult:
    """Every trial of every scenario, at most `opts.parallel` at once."""
    started = time.perf_counter()
    run = hashlib.sha256(f"{time.time_ns()}".encode()).hexdigest()[:6]
    results = [ScenarioResult(s) for s in scenarios]
    gate = asyncio.Semaphore(max(1, opts.parallel))

    async def lane(res: ScenarioResult, k: int, lanes: int) -> None:
        scenario = res.scenario
        owner = Lane(scenario, tenant_id(scenario, k, run), trial_seed(opts.seed, scenario, k))
        try:
            for index in range(k, trial_count(scenario, opts), lanes):
                async with gate:
                    trial = await run_trial(twins, owner, index, opts)
                res.trials.append(trial)
                if progress is not None:
                    progress(res, trial)
        finally:
            if not opts.keep_tenants:
                await owner.drop(twins)

    await asyncio.gather(
        *(lane(res, k, n) for res in results for n in [lane_count(res.scenario, opts)] for k in range(n))
    )
    for res in results:
        res.trials.sort(key=lambda t: t.index)
    return SuiteResult(results, threshold, time.perf_counter() - started)
