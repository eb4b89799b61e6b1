"""Holdout engine throughput: trials per second of a three-step scenario against in-process twins,
the time of one lane's create + seed, of one trial's reset to the seeded world, and, as the baseline
measured in the same run, the same steps and assertions repeated in already-seeded tenants (no
isolation).

    python -m bench.holdout_trials --trials 1000 --parallel 8     # the target: under 60 s
    python -m bench.holdout_trials --trials 100 --parallel 8      # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from bench.harness import machine, write_json
from holdout import steps
from holdout.engine import Lane, Options, expectations, run_suite
from holdout.scenario import parse
from holdout.seeding import build_world
from holdout.twinset import TwinSet, start_local

SCENARIO = """\
version: 1
name: bench three steps
tags: [bench]
twins: [slack, okta]
people:
  ann: {}
  bo: {}
seed:
  slack:
    channels: [{name: ops, members: [ann, bo]}]
  okta:
    users: [{person: ann}, {person: bo}]
    groups: [{name: vpn, members: [bo]}]
steps:
  - slack.post: {as: ann, channel: ops, text: please add me to vpn}
  - okta.add_to_group: {user: ann, group: vpn}
  - wait: {until: {okta.member: {user: ann, group: vpn}}, timeout: 5}
expect:
  - slack.message: {channel: ops, contains: vpn, from: ann, count: 1}
  - okta.member: {user: ann, group: vpn}
  - okta.no_other_changes: {}
"""


async def reset_and_seed(twins: TwinSet, count: int) -> list[float]:
    """Seconds to create, seed and drop one trial's tenants, one at a time."""
    scenario = parse(SCENARIO, "bench.yaml")
    out = []
    for i in range(count):
        started = time.perf_counter()
        world = await build_world(twins, scenario, f"bench-seed-{i}", 10_000 + i)
        for name in scenario.twins:
            await twins[name].drop_tenant(world.tenant)
        out.append(time.perf_counter() - started)
    return out


async def resets(twins: TwinSet, count: int) -> list[float]:
    """Seconds of one trial's set-up in a lane: its tenants reset to the world the lane seeded."""
    scenario = parse(SCENARIO, "bench.yaml")
    lane = Lane(scenario, "bench-reset", 30_000)
    world = await lane.prepare(twins)
    out = []
    for _ in range(count):
        for step in scenario.data["steps"]:  # something to undo
            await steps.run_step(twins, world, step)
        started = time.perf_counter()
        world = await lane.prepare(twins)
        out.append(time.perf_counter() - started)
    await lane.drop(twins)
    return out


async def baseline(twins: TwinSet, trials: int, parallel: int) -> float:
    """Trials per second of the steps + assertions alone, in seeded tenants reused across trials."""
    scenario = parse(SCENARIO, "bench.yaml")
    worlds = [await build_world(twins, scenario, f"bench-base-{i}", 20_000 + i) for i in range(parallel)]
    opts = Options(settle=0)

    async def lane(world: Any, n: int) -> None:
        for _ in range(n):
            for step in scenario.data["steps"]:
                await steps.run_step(twins, world, step)
            await expectations(twins, world, scenario, opts)
            await steps.okta_remove(twins, world, {"user": "ann", "group": "vpn"})

    started = time.perf_counter()
    await asyncio.gather(*(lane(w, trials // parallel) for w in worlds))
    return (trials // parallel * parallel) / (time.perf_counter() - started)


async def measure(
    trials: int, parallel: int, seed_samples: int, fresh_worlds: bool = False
) -> dict[str, Any]:
    twins = await start_local(["slack", "okta"], rate_limits="off")
    try:
        scenario = parse(SCENARIO, "bench.yaml")
        await run_suite(twins, [scenario], Options(trials=4, parallel=4, settle=0), 1.0)  # warm up
        seeds = await reset_and_seed(twins, seed_samples)
        reset_times = await resets(twins, seed_samples)
        started = time.perf_counter()
        opts = Options(trials=trials, parallel=parallel, settle=0, fresh_worlds=fresh_worlds)
        result = await run_suite(twins, [scenario], opts, 1.0)
        elapsed = time.perf_counter() - started
        base_rate = await baseline(twins, max(parallel, trials // 4), parallel)
    finally:
        await twins.close()
    per_trial = sorted(t.seconds for t in result.scenarios[0].trials)
    rate = trials / elapsed
    return {
        "trials": trials,
        "parallel": parallel,
        "fresh_worlds": fresh_worlds,
        "satisfied": result.satisfied,
        "seconds": round(elapsed, 2),
        "trials_per_second": round(rate, 2),
        "trials_per_hour": round(rate * 3600),
        "trial_p50_s": round(statistics.median(per_trial), 3),
        "trial_p95_s": round(per_trial[int(len(per_trial) * 0.95) - 1], 3),
        "reset_seed_median_s": round(statistics.median(seeds), 3),
        "reset_seed_samples": len(seeds),
        "reset_to_world_median_s": round(statistics.median(reset_times), 4),
        "baseline_trials_per_second": round(base_rate, 2),
        "ratio_to_baseline": round(rate / base_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--seed-samples", type=int, default=20)
    parser.add_argument(
        "--fresh-worlds", action="store_true", help="every trial seeds a world of its own (its own seed)"
    )
    args = parser.parse_args()
    data = asyncio.run(measure(args.trials, args.parallel, args.seed_samples, args.fresh_worlds))
    print(json.dumps(data, indent=2))
    print(write_json("holdout-trials", {"machine": machine(), **data}))


if __name__ == "__main__":
    main()
