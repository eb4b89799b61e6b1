"""The only things the repair loop's model may do: list, read and write files inside the twin's
folder, run `twins verify` on it and run its test module. Paths that leave the folder (`..`,
absolute paths, symlinks) are refused; verify and the tests run in subprocesses with timeouts, so
the twin's code never runs inside the loop's own process."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_runner.agent.provider import Tool, ToolCall

TWINS = [sys.executable, "-c", "from twins.cli import main; main()"]
SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
MAX_READ = 60_000
OBJECT: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
TOOLS = [
    Tool("list_files", "List the files of the twin's folder (paths relative to it).", OBJECT),
    Tool(
        "read_file",
        "Read one text file of the twin's folder.",
        {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    ),
    Tool(
        "write_file",
        "Replace (or create) one file of the twin's folder with the given content.",
        {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    ),
    Tool("run_verify", "Replay the recordings against the twin: fidelity and the main mismatches.", OBJECT),
    Tool("run_tests", "Run the twin's test module (test_*.py in its folder) with pytest.", OBJECT),
]


class Refused(ValueError):
    """A tool call the loop does not allow (a path outside the folder, a symlink)."""


@dataclass
class Workspace:
    """The twin's folder and the recordings it is verified against."""

    folder: Path
    traces: Sequence[Path]
    verify_timeout: float = 600.0
    test_timeout: float = 600.0
    before: dict[str, str] = field(default_factory=dict)
    fidelity: float | None = None  # the latest run_verify's

    def __post_init__(self) -> None:
        self.folder = self.folder.resolve()
        self.before = {path: self._text(path) for path in self.files()}

    def files(self) -> list[str]:
        out = []
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder)
            through = [self.folder.joinpath(*rel.parts[: i + 1]) for i in range(len(rel.parts))]
            if any(p.is_symlink() for p in through) or SKIPPED_DIRS.intersection(rel.parts):
                continue
            if path.is_file():
                out.append(rel.as_posix())
        return out

    def _text(self, rel: str) -> str:
        try:
            return (self.folder / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            return ""

    def inside(self, rel: str) -> Path:
        """The path of `rel` in the folder; Refused when it is absolute, climbs out or goes through
        a symlink (which could point anywhere)."""
        if not rel or Path(rel).is_absolute() or "\\" in rel or "\0" in rel:
            raise Refused(f"refused: {rel!r} is not a relative path inside the twin's folder")
        path = self.folder
        for part in Path(rel).parts:
            if part in ("..", ".") or part in SKIPPED_DIRS:
                raise Refused(f"refused: {rel!r} leaves the twin's folder")
            path = path / part
            if path.is_symlink():
                raise Refused(f"refused: {rel!r} goes through a symlink")
        if not path.resolve().is_relative_to(self.folder):
            raise Refused(f"refused: {rel!r} leaves the twin's folder")
        return path

    def call(self, call: ToolCall) -> str:
        """Run one tool call; its output (or why it was refused) as text for the model."""
        try:
            if call.name == "list_files":
                return "\n".join(self.files())
            if call.name == "read_file":
                path = self.inside(str(call.arguments.get("path", "")))
                if not path.is_file():
                    return f"no such file: {call.arguments.get('path')}"
                return path.read_text(encoding="utf-8", errors="replace")[:MAX_READ]
            if call.name == "write_file":
                return self.write(str(call.arguments.get("path", "")), call.arguments.get("content"))
            if call.name == "run_verify":
                return self.verify()
            if call.name == "run_tests":
                return self.tests()
        except Refused as exc:
            return str(exc)
        return f"unknown tool {call.name!r}; the tools are " + ", ".join(t.name for t in TOOLS)

    def write(self, rel: str, content: Any) -> str:
        if not isinstance(content, str):
            return "refused: content must be a string"
        path = self.inside(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return f"wrote {rel} ({len(content)} characters)"

    def verify(self) -> str:
        """`twins verify --twin` in a subprocess: the fidelity and the most frequent mismatches."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.json"
            command = [*TWINS, "verify", "--twin", str(self.folder), "--json", str(out)]
            command += [arg for path in self.traces for arg in ("--traces", str(path))]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=self.verify_timeout, check=False
                )
            except subprocess.TimeoutExpired:
                self.fidelity = 0.0
                return f"verify timed out after {self.verify_timeout:.0f} s"
            if not out.is_file():
                self.fidelity = 0.0
                return "verify failed (the twin does not load?):\n" + (done.stderr or done.stdout)[-4000:]
            report = json.loads(out.read_text(encoding="utf-8"))
        self.fidelity = float(report["fidelity"])
        return summary(report)

    def tests(self) -> str:
        modules = [p for p in self.files() if Path(p).name.startswith("test_") and p.endswith(".py")]
        if not modules:
            return "the twin has no test module (test_*.py)"
        command = [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", *modules]
        try:
            done = subprocess.run(
                command,
                cwd=self.folder,
                capture_output=True,
                text=True,
                timeout=self.test_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"the tests timed out after {self.test_timeout:.0f} s"
        return f"exit code {done.returncode}\n" + (done.stdout + done.stderr)[-6000:]

    def diff(self) -> str:
        """A unified diff of every file changed since the loop started."""
        out: list[str] = []
        for rel in sorted(set(self.before) | set(self.files())):
            old, new = self.before.get(rel, ""), self._text(rel) if (self.folder / rel).exists() else ""
            if old != new:
                out += difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
                )
        return "".join(out)


def summary(report: dict[str, Any], mismatches: int = 15) -> str:
    """What the model sees of a verify report: figures, weak endpoints, the main mismatches."""
    f = report["figures"]
    lines = [
        f"fidelity {report['fidelity']:.3f}: {f['exchanges_passed']}/{f['exchanges_served']} replayed "
        f"exchanges match; {f['recordings_served']}/{f['recordings']} recordings replayed",
    ]
    weak = [(name, row) for name, row in report["endpoints"].items() if row["fidelity"] < 1]
    lines += [f"  {name}: {row['passed']}/{row['exchanges']} match" for name, row in weak]
    failed = [o for r in report["recordings"] for o in r["outcomes"] if not o["passed"]]
    for o in failed[:mismatches]:
        lines.append(f"mismatch {o['recording']} #{o['seq']} {o['endpoint']}: " + "; ".join(o["differences"]))
    unserved = report.get("unserved_endpoints") or {}
    if unserved:
        lines.append("not served (recordings not replayed): " + ", ".join(list(unserved)[:10]))
    return "\n".join(lines)
