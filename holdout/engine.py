"""Trials: for each scenario, N trials, each in its own tenant (created, seeded, dropped), run in
parallel against one process per twin; reset -> seed -> app -> steps -> settle -> assert."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


async def run_trial(twins: TwinSet, scenario: Scenario, index: int, opts: Options, run: str) -> TrialResult:
    """One trial in its own tenant; every failure becomes a verdict, never an exception."""
    started = time.perf_counter()
    seed = trial_seed(opts.seed, scenario, index)
    profile = opts.profiles[index % len(opts.profiles)]
    result = TrialResult(index, seed, profile, satisfied=False)
    tenant = tenant_id(scenario, index, run)
    app = RunningApp(AppSpec.of(scenario.data.get("app"), opts.app))
    try:
        world = await build_world(twins, scenario, tenant, seed)
        for name in scenario.twins:
            world.cursors[name] = await twins[name].journal_cursor(tenant)
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
        if not opts.keep_tenants:
            for name in scenario.twins:
                with contextlib.suppress(TwinsError):
                    await twins[name].drop_tenant(tenant)
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

    async def one(res: ScenarioResult, index: int) -> None:
        async with gate:
            trial = await run_trial(twins, res.scenario, index, opts, run)
        res.trials.append(trial)
        if progress is not None:
            progress(res, trial)

    await asyncio.gather(*(one(res, i) for res in results for i in range(trial_count(res.scenario, opts))))
    for res in results:
        res.trials.sort(key=lambda t: t.index)
    return SuiteResult(results, threshold, time.perf_counter() - started)
