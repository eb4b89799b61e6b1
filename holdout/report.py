"""Reports of a run. Public ones (JSON, JUnit XML, Markdown) carry satisfaction per suite, tag and
opaque scenario id, and counts: no scenario text, no expected values, no app output, so they can be
handed to the coding agent. The private report (`--private-report`) carries everything."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from holdout.engine import ScenarioResult, SuiteResult
from holdout.stats import is_flaky, share, wilson

REPORT_VERSION = 1


def _interval(successes: int, trials: int) -> list[float]:
    lo, hi = wilson(successes, trials)
    return [round(lo, 4), round(hi, 4)]


def by_tag(result: SuiteResult) -> dict[str, dict[str, Any]]:
    """Satisfaction per tag (a scenario counts under each of its tags; untagged ones under '-')."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for res in result.scenarios:
        for tag in res.scenario.tags or ["-"]:
            counts[tag][0] += res.satisfied
            counts[tag][1] += len(res.trials)
    return {
        tag: {
            "trials": n,
            "satisfied": ok,
            "satisfaction": round(share(ok, n), 4),
            "interval95": _interval(ok, n),
        }
        for tag, (ok, n) in sorted(counts.items())
    }


def _scenario_public(res: ScenarioResult) -> dict[str, Any]:
    return {
        "id": res.scenario.key,
        "tags": res.scenario.tags,
        "trials": len(res.trials),
        "satisfied": res.satisfied,
        "satisfaction": round(res.satisfaction, 4),
        "interval95": _interval(res.satisfied, len(res.trials)),
        "flaky": res.flaky,
    }


def public(result: SuiteResult, commit: str = "") -> dict[str, Any]:
    """The report safe to show the coding agent."""
    return {
        "version": REPORT_VERSION,
        "commit": commit,
        "verdict": "pass" if result.passed else "fail",
        "threshold": result.threshold,
        "satisfaction": round(result.satisfaction, 4),
        "interval95": _interval(result.satisfied, result.trials),
        "scenarios": len(result.scenarios),
        "trials": result.trials,
        "satisfied": result.satisfied,
        "flaky": sum(1 for s in result.scenarios if s.flaky),
        "seconds": round(result.seconds, 3),
        "tags": by_tag(result),
        "by_scenario": [_scenario_public(s) for s in result.scenarios],
    }


def private(result: SuiteResult, commit: str = "", log: list[str] | None = None) -> dict[str, Any]:
    """Everything: names, sources, every outcome's detail, each trial's app output, the run's log."""
    out = public(result, commit)
    out["log"] = log or []
    out["by_scenario"] = [
        {
            **_scenario_public(res),
            "name": res.scenario.name,
            "source": res.scenario.source,
            "trial_results": [
                {
                    "index": t.index,
                    "seed": t.seed,
                    "profile": t.profile,
                    "satisfied": t.satisfied,
                    "seconds": round(t.seconds, 3),
                    "error": t.error,
                    "outcomes": [
                        {"kind": o.kind, "passed": o.passed, "skipped": o.skipped, "detail": o.detail}
                        for o in t.outcomes
                    ],
                    "app_output": t.app_output,
                }
                for t in res.trials
            ],
        }
        for res in result.scenarios
    ]
    return out


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def junit(result: SuiteResult) -> str:
    """JUnit XML: one test case per scenario (opaque id), failed when below the threshold."""
    suite = ET.Element(
        "testsuite",
        name="holdout",
        tests=str(len(result.scenarios)),
        failures=str(sum(1 for s in result.scenarios if s.satisfaction < result.threshold)),
        time=f"{result.seconds:.3f}",
    )
    for res in result.scenarios:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="holdout." + (res.scenario.tags[0] if res.scenario.tags else "untagged"),
            name=res.scenario.key,
            time=f"{sum(t.seconds for t in res.trials):.3f}",
        )
        summary = f"satisfaction {res.satisfaction:.2f} ({res.satisfied}/{len(res.trials)} trials)"
        if res.satisfaction < result.threshold:
            failure = ET.SubElement(case, "failure", message=f"{summary} < threshold {result.threshold:.2f}")
            failure.text = summary
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="flaky", value=str(res.flaky).lower())
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def markdown(result: SuiteResult) -> str:
    """A summary for $GITHUB_STEP_SUMMARY: verdict, tags, scenarios by opaque id."""
    lo, hi = result.interval
    icon = "✅" if result.passed else "❌"
    lines = [
        f"## {icon} Holdout: satisfaction {_pct(result.satisfaction)} (threshold {_pct(result.threshold)})",
        "",
        f"{result.satisfied} of {result.trials} trials satisfied across {len(result.scenarios)} scenarios; "
        f"95% interval {_pct(lo)}-{_pct(hi)}; {sum(s.flaky for s in result.scenarios)} flaky.",
        "",
        "| tag | trials | satisfaction | 95% interval |",
        "|---|---:|---:|---|",
    ]
    for tag, row in by_tag(result).items():
        a, b = row["interval95"]
        lines.append(f"| {tag} | {row['trials']} | {_pct(row['satisfaction'])} | {_pct(a)}-{_pct(b)} |")
    lines += ["", "| scenario | tags | satisfaction | flaky |", "|---|---|---:|---|"]
    for res in result.scenarios:
        flaky = "⚠️ flaky" if is_flaky(res.satisfied, len(res.trials)) else ""
        tags = ", ".join(res.scenario.tags)
        lines.append(f"| `{res.scenario.key}` | {tags} | {_pct(res.satisfaction)} | {flaky} |")
    return "\n".join(lines) + "\n"
