"""CPU of the store's row operations, here and in another checkout, measured alternately in one run.

    python -m bench.store_rows --against /tmp/main-copy            # ~1 min
    python -m bench.store_rows --against /tmp/main-copy --rows 20000 --repeats 5

What read-only rows (`twins/_runtime/frozen.py`) cost where a twin spends its time, on the sample
twin's notes (`tests/runtime/sample.py`: an id, a title, a JSON list of tags, a float):

- `insert`: `Collection.insert` of a new note (the write of nearly every request);
- `update`: `Collection.update` of one field;
- `read`: `Collection.get` and the reads a handler does to answer (four fields), then `json.dumps`;
- `scan`: iterating the collection and reading one field of every row (a list endpoint's filter);
- `load`: `Collection.load` of rows as the database gives them (a tenant read whole).

Each checkout runs in its own process (`PYTHONPATH` set to it), `--repeats` times, alternately,
so that other work on the machine hits both alike; the table gives the median CPU ns per row and
the ratio of this tree to the other, taken within each repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
OPS = ("insert", "update", "read", "scan", "load")


def measure(rows: int) -> dict[str, float]:
    """In this process: ns of CPU per row for each operation."""
    from tests.runtime.sample import create_service
    from twins._runtime.collection import TenantState

    service = create_service()
    state = TenantState("bench", service.collections, seed=1, size=0)
    notes = state["sample_notes"]
    out: dict[str, float] = {}

    def timed(name: str, fn: Any) -> None:
        c0 = time.process_time_ns()
        fn()
        out[name] = (time.process_time_ns() - c0) / rows

    ids = [f"N{i:08d}" for i in range(rows)]

    def insert() -> None:
        for key in ids:
            notes.insert({"id": key, "title": "hello", "tags": ["bench"], "created": 1.0})
        state.take_pending()

    def update() -> None:
        for key in ids:
            notes.update(key, title="changed")
        state.take_pending()

    def read() -> None:
        dumps = json.dumps
        for key in ids:
            row = notes.get(key)
            assert row is not None
            dumps({"id": row["id"], "title": row["title"], "tags": row["tags"], "created": row["created"]})

    def scan() -> None:
        for _ in range(10):
            sum(1 for row in notes if row["title"] == "changed")

    loaded: list[dict[str, Any]] = []

    def load() -> None:
        fresh = TenantState("bench", service.collections, seed=1, size=0)["sample_notes"]
        for r in loaded:
            fresh.load(dict(r))

    timed("insert", insert)
    timed("update", update)
    timed("read", read)
    c0 = time.process_time_ns()
    scan()
    out["scan"] = (time.process_time_ns() - c0) / (rows * 10)
    loaded.extend(dict(r, tags=list(r["tags"])) for r in notes.rows.values())  # as the driver gives them
    timed("load", load)
    return out


def spawn(tree: Path, rows: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "_one", "--rows", str(rows)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=env, timeout=600, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", nargs="?", default="compare", choices=("compare", "_one"))
    p.add_argument("--against", default="", help="the other checkout (e.g. a `git archive` of main)")
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if args.mode == "_one":
        print(json.dumps(measure(args.rows)))
        return
    if not args.against:
        raise SystemExit("--against DIR is needed: the checkout to compare with")
    other = Path(args.against).resolve()
    runs: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for i in range(args.repeats):
        order = [("this", HERE), ("other", other)] if i % 2 == 0 else [("other", other), ("this", HERE)]
        for name, tree in order:
            runs[name].append(spawn(tree, args.rows))
        print(f"repeat {i + 1}/{args.repeats} done", file=sys.stderr)
    lines = [
        f"{args.rows:,} rows, median of {args.repeats} alternate runs; CPU ns per row",
        "",
        f"| operation | this tree | {other.name} | ratio (per repeat) |",
        "|---|---:|---:|---|",
    ]
    for op in OPS:
        ratios = [t[op] / o[op] for t, o in zip(runs["this"], runs["other"], strict=True)]
        lines.append(
            f"| {op} | {statistics.median(r[op] for r in runs['this']):,.0f} | "
            f"{statistics.median(r[op] for r in runs['other']):,.0f} | "
            f"**{statistics.median(ratios):.2f}** ({', '.join(f'{x:.2f}' for x in ratios)}) |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
