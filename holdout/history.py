"""Run history in SQLite (satisfaction per scenario across commits) and an HTML report that charts
it as an inline SVG (no scripts, no external assets). Scenarios appear by opaque id only."""

from __future__ import annotations

import html
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from holdout.engine import SuiteResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_sha TEXT NOT NULL,
    started REAL NOT NULL,
    satisfaction REAL NOT NULL,
    threshold REAL NOT NULL,
    trials INTEGER NOT NULL,
    verdict TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenario_runs (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    scenario TEXT NOT NULL,
    tags TEXT NOT NULL,
    trials INTEGER NOT NULL,
    satisfied INTEGER NOT NULL,
    satisfaction REAL NOT NULL,
    PRIMARY KEY (run_id, scenario)
);
"""
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
WIDTH, HEIGHT, PAD = 860, 360, 48


@dataclass
class Run:
    id: int
    commit: str
    started: float
    satisfaction: float
    threshold: float
    verdict: str
    trials: int = 0


@dataclass
class Point:
    """One commit on the chart: the suite's satisfaction over all its runs (shards), its threshold."""

    label: str
    satisfaction: float
    threshold: float


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn


def record(path: Path, result: SuiteResult, commit: str) -> int:
    """Append one run; returns its id."""
    with connect(path) as conn:
        cur = conn.execute(
            "INSERT INTO runs (commit_sha, started, satisfaction, threshold, trials, verdict) "
            "VALUES (?,?,?,?,?,?)",
            (
                commit,
                time.time(),
                result.satisfaction,
                result.threshold,
                result.trials,
                "pass" if result.passed else "fail",
            ),
        )
        run_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO scenario_runs VALUES (?,?,?,?,?,?)",
            [
                (
                    run_id,
                    s.scenario.key,
                    ",".join(s.scenario.tags),
                    len(s.trials),
                    s.satisfied,
                    s.satisfaction,
                )
                for s in result.scenarios
            ],
        )
    return run_id


def load(path: Path, limit: int = 50) -> tuple[list[Run], dict[str, dict[int, float]]]:
    """The newest `limit` runs, oldest first, and satisfaction by scenario and run id."""
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT id, commit_sha, started, satisfaction, threshold, verdict, trials "
            "FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        runs = [Run(*r) for r in reversed(rows)]
        series: dict[str, dict[int, float]] = {}
        if runs:
            for run_id, scenario, sat in conn.execute(
                "SELECT run_id, scenario, satisfaction FROM scenario_runs WHERE run_id >= ? ORDER BY run_id",
                (runs[0].id,),
            ):
                series.setdefault(scenario, {})[run_id] = sat
    return runs, series


def _xy(i: int, n: int, value: float) -> tuple[float, float]:
    x = PAD + (WIDTH - 2 * PAD) * (i / max(n - 1, 1))
    y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * value
    return round(x, 1), round(y, 1)


def _polyline(points: list[tuple[float, float]], color: str, width: float, dash: str = "") -> str:
    coords = " ".join(f"{x},{y}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="{width + 1}" fill="{color}"/>' for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{width}"{extra}/>{dots}'


def by_commit(
    runs: list[Run], series: dict[str, dict[int, float]]
) -> tuple[list[Point], dict[str, dict[int, float]]]:
    """Runs of one commit (shards, reruns) become one point; a scenario takes its latest value."""
    order: list[str] = []
    groups: dict[str, list[Run]] = {}
    for run in runs:
        key = run.commit or f"run {run.id}"
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append(run)
    points = []
    for key in order:
        group = groups[key]
        trials = sum(r.trials for r in group)
        satisfied = sum(r.satisfaction * r.trials for r in group)
        value = satisfied / trials if trials else group[-1].satisfaction
        points.append(Point(key[:8] if len(key) > 12 else key, value, group[-1].threshold))
    index = {run.id: order.index(run.commit or f"run {run.id}") for run in runs}
    merged: dict[str, dict[int, float]] = {}
    for scenario, values in series.items():
        for run_id in sorted(values):
            merged.setdefault(scenario, {})[index[run_id]] = values[run_id]
    return points, merged


def svg(runs: list[Run], series: dict[str, dict[int, float]]) -> str:
    """Satisfaction (0-100%) per scenario and for the suite, one point per commit, threshold dashed."""
    points, per_commit = by_commit(runs, series)
    n = len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        _, y = _xy(0, n, tick)
        parts.append(f'<line x1="{PAD}" y1="{y}" x2="{WIDTH - PAD}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{PAD - 6}" y="{y + 4}" text-anchor="end">{int(tick * 100)}%</text>')
    for i, point in enumerate(points):
        x, _ = _xy(i, n, 0)
        label = html.escape(point.label)
        parts.append(f'<text x="{x}" y="{HEIGHT - PAD + 16}" text-anchor="middle">{label}</text>')
    if points:
        parts.append(_polyline([_xy(i, n, p.threshold) for i, p in enumerate(points)], "#999", 1, "5,4"))
    for k, (_scenario, values) in enumerate(sorted(per_commit.items())):
        line = [_xy(i, n, values[i]) for i in range(n) if i in values]
        parts.append(_polyline(line, COLORS[k % len(COLORS)], 1.5))
    parts.append(_polyline([_xy(i, n, p.satisfaction) for i, p in enumerate(points)], "#000", 3))
    parts.append("</svg>")
    return "".join(parts)


def render_html(runs: list[Run], series: dict[str, dict[int, float]]) -> str:
    """A self-contained page: the chart, its legend and a table of runs."""
    legend = "".join(
        f'<li><span style="color:{COLORS[k % len(COLORS)]}">■</span> <code>{html.escape(s)}</code></li>'
        for k, s in enumerate(sorted(series))
    )
    rows = "".join(
        f"<tr><td>{r.id}</td><td><code>{html.escape(r.commit)}</code></td>"
        f"<td>{time.strftime('%Y-%m-%d %H:%M', time.gmtime(r.started))}</td>"
        f"<td>{r.satisfaction * 100:.1f}%</td><td>{r.threshold * 100:.0f}%</td><td>{r.verdict}</td></tr>"
        for r in reversed(runs)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Holdout satisfaction history</title>"
        "<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}ul{list-style:none;padding:0;columns:3}</style>"
        "</head><body><h1>Holdout satisfaction history</h1>"
        "<p>Suite satisfaction in black, threshold dashed, one coloured line per scenario.</p>"
        f"{svg(runs, series)}<ul>{legend}</ul>"
        "<table><tr><th>run</th><th>commit</th><th>when (UTC)</th><th>satisfaction</th>"
        f"<th>threshold</th><th>verdict</th></tr>{rows}</table></body></html>\n"
    )
