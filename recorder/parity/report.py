"""Fidelity of a twin against recordings: per exchange, per endpoint and overall, with coverage."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from recorder.parity.values import Difference

# (endpoint or `*`, key path prefix) -> why the twin differs there. `*` also covers list items.
Declared = dict[tuple[str, str], str]


@dataclass
class Outcome:
    """One recorded exchange as the twin answered it."""

    recording: str
    seq: int
    endpoint: str
    status: tuple[int, int]  # recorded, twin (0: not sent)
    undeclared: list[Difference] = field(default_factory=list)
    declared: list[tuple[Difference, str]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.undeclared or self.declared)

    @property
    def passed(self) -> bool:
        return not self.undeclared

    def to_dict(self) -> dict[str, Any]:
        return {
            "recording": self.recording,
            "seq": self.seq,
            "endpoint": self.endpoint,
            "status": list(self.status),
            "exact": self.exact,
            "passed": self.passed,
            "differences": [d.explain() for d in self.undeclared],
            "declared": [{"difference": d.explain(), "reason": why} for d, why in self.declared],
        }


@dataclass
class Recording:
    """One recording: replayed when the twin serves every request of it, else why not."""

    name: str
    exchanges: int
    unserved: list[str] = field(default_factory=list)  # endpoints the twin does not serve
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def served(self) -> bool:
        return not self.unserved

    @property
    def exact(self) -> bool:
        return self.served and all(o.exact for o in self.outcomes)

    @property
    def passed(self) -> bool:
        return self.served and all(o.passed for o in self.outcomes)


def is_declared(difference: Difference, endpoint: str, declared: Declared) -> str | None:
    """The reason a difference is declared for, or None. A `*` entry covers list items too."""
    path = difference.path or f"({difference.what})"
    for (where, prefix), reason in declared.items():
        if where not in ("*", endpoint):
            continue
        candidates = [path]
        if where == "*":
            candidates += [path[i + 3 :] for i in range(len(path)) if path.startswith("[].", i)]
        if any(c == prefix or c.startswith((f"{prefix}.", f"{prefix}[]")) for c in candidates):
            return reason
    return None


def outcome(
    recording: str,
    seq: int,
    endpoint: str,
    status: tuple[int, int],
    found: list[Difference],
    declared: Declared,
) -> Outcome:
    """Sort the differences of one exchange into undeclared and declared (with their reason)."""
    out = Outcome(recording, seq, endpoint, status)
    for difference in found:
        reason = is_declared(difference, endpoint, declared)
        if reason is None:
            out.undeclared.append(difference)
        else:
            out.declared.append((difference, reason))
    return out


@dataclass
class Report:
    """Every recording given, replayed or not, with what each replayed exchange showed."""

    service: str
    recordings: list[Recording] = field(default_factory=list)

    @property
    def replayed(self) -> list[Recording]:
        return [r for r in self.recordings if r.served]

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for r in self.replayed for o in r.outcomes]

    @property
    def total_exchanges(self) -> int:
        return sum(r.exchanges for r in self.recordings)

    def figures(self) -> dict[str, int]:
        outcomes = self.outcomes
        return {
            "recordings": len(self.recordings),
            "recordings_served": len(self.replayed),
            "recordings_exact": sum(r.exact for r in self.replayed),
            "recordings_passed": sum(r.passed for r in self.replayed),
            "exchanges": self.total_exchanges,
            "exchanges_served": len(outcomes),
            "exchanges_exact": sum(o.exact for o in outcomes),
            "exchanges_passed": sum(o.passed for o in outcomes),
        }

    @property
    def fidelity(self) -> float:
        """The share of replayed exchanges that match (declared differences allowed); 0 when none."""
        f = self.figures()
        return f["exchanges_passed"] / f["exchanges_served"] if f["exchanges_served"] else 0.0

    def headline(self) -> str:
        """Exchanges of the served recordings that match, exactly and with the declared differences."""
        f = self.figures()
        served = f["exchanges_served"] or 1
        return (
            f"{self.service} parity: {f['exchanges_exact']}/{f['exchanges_served']} replayed exchanges "
            f"match exactly ({100 * f['exchanges_exact'] / served:.1f}%), {f['exchanges_passed']}/"
            f"{f['exchanges_served']} with the declared differences "
            f"({100 * f['exchanges_passed'] / served:.1f}%); recordings fully matching "
            f"{f['recordings_exact']}/{f['recordings_served']} exactly, "
            f"{f['recordings_passed']}/{f['recordings_served']} with the declared differences"
        )

    def coverage(self) -> str:
        """How much of ALL the recorded traffic the headline speaks for."""
        f = self.figures()
        total = f["exchanges"] or 1
        return (
            f"{self.service} coverage: {f['recordings_served']}/{f['recordings']} recordings served, "
            f"{f['exchanges_served']}/{f['exchanges']} exchanges served "
            f"({100 * f['exchanges_served'] / total:.1f}%); of ALL recorded exchanges "
            f"{f['exchanges_exact']} ({100 * f['exchanges_exact'] / total:.1f}%) match exactly, "
            f"{f['exchanges_passed']} ({100 * f['exchanges_passed'] / total:.1f}%) with the declared "
            "differences"
        )

    def by_endpoint(self) -> dict[str, dict[str, Any]]:
        """Endpoint -> exchanges, exact, passed and the count of each undeclared difference."""
        out: dict[str, dict[str, Any]] = {}
        for o in self.outcomes:
            row = out.setdefault(o.endpoint, {"exchanges": 0, "exact": 0, "passed": 0, "causes": Counter()})
            row["exchanges"] += 1
            row["exact"] += o.exact
            row["passed"] += o.passed
            row["causes"].update(d.explain() for d in o.undeclared)
        for row in out.values():
            row["fidelity"] = row["passed"] / row["exchanges"]
        return dict(sorted(out.items()))

    def causes(self, limit: int = 40) -> list[tuple[str, int]]:
        """The most frequent undeclared differences, as `endpoint  explanation`."""
        counter: Counter[str] = Counter()
        for o in self.outcomes:
            counter.update(f"{o.endpoint}  {d.explain()}" for d in o.undeclared)
        return counter.most_common(limit)

    def summary(self, limit: int = 40) -> str:
        """Headline, coverage and the most frequent undeclared differences, as plain lines."""
        lines = [self.headline(), self.coverage(), "main undeclared differences:"]
        lines += [f"  {count:4} {cause}" for cause, count in self.causes(limit)]
        return "\n".join(lines)

    def unserved(self) -> Counter[str]:
        """Endpoints that kept recordings from being replayed, by how many recordings they kept out."""
        return Counter(e for r in self.recordings for e in set(r.unserved))

    def to_json(self) -> str:
        endpoints = {
            name: {**row, "causes": dict(row["causes"].most_common())}
            for name, row in self.by_endpoint().items()
        }
        document = {
            "service": self.service,
            "figures": self.figures(),
            "fidelity": self.fidelity,
            "headline": self.headline(),
            "coverage": self.coverage(),
            "endpoints": endpoints,
            "unserved_endpoints": dict(self.unserved().most_common()),
            "recordings": [
                {
                    "name": r.name,
                    "exchanges": r.exchanges,
                    "served": r.served,
                    "unserved": sorted(set(r.unserved)),
                    "outcomes": [o.to_dict() for o in r.outcomes],
                }
                for r in self.recordings
            ],
        }
        return json.dumps(document, indent=2, default=str)

    def to_markdown(self) -> str:
        lines = [f"# {self.service} parity", "", self.headline(), "", self.coverage(), ""]
        lines += [
            "| endpoint | exchanges | exact | with declared | main undeclared difference |",
            "|---|---|---|---|---|",
        ]
        for name, row in self.by_endpoint().items():
            main = row["causes"].most_common(1)
            cause = f"{main[0][0]} ({main[0][1]} times)" if main else ""
            cause = cause.replace("|", "\\|")
            lines.append(f"| `{name}` | {row['exchanges']} | {row['exact']} | {row['passed']} | {cause} |")
        mismatches = [(r.name, o) for r in self.replayed for o in r.outcomes if not o.passed]
        if mismatches:
            lines += ["", "## Mismatches", ""]
            for name, o in mismatches:
                why = "; ".join(d.explain() for d in o.undeclared)
                lines.append(f"- {name} #{o.seq} `{o.endpoint}`: {why}")
        declared: Counter[str] = Counter(
            f"`{o.endpoint}` {d.explain()}: {why}" for o in self.outcomes for d, why in o.declared
        )
        if declared:
            lines += ["", "## Declared differences", ""]
            lines += [f"- {text} ({n} exchanges)" for text, n in declared.most_common()]
        unserved = self.unserved()
        if unserved:
            lines += ["", "## Not replayed: endpoints the twin does not serve", ""]
            lines += [f"- `{e}` ({n} recordings)" for e, n in unserved.most_common()]
        return "\n".join(lines) + "\n"
