"""The repair loop: a chat model edits a twin folder through the tools until `twins verify` says
its fidelity reaches the target or the turn budget is spent, then reviews its own diff.

Every turn (what the model said, the tools it called, what they returned) is one JSON line of the
transcript; the API key never is (it lives only in the provider's request headers, and any copy
of it a tool output might hold is masked before it is written or sent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from agent_runner.agent.provider import Conversation, Provider, ToolCall
from agent_runner.agent.tools import TOOLS, Workspace

SYSTEM = """You repair a digital twin: a Python package on the twin kit (twins.kit) that imitates a \
vendor's HTTP API. Recorded traffic of the real API is replayed against it; your goal is that the \
twin answers as the recordings show (status codes, error bodies, fields and values). You can only \
use the tools: list_files, read_file, write_file (inside the twin's folder), run_verify (replays \
the recordings and reports fidelity and mismatches) and run_tests. Change as little as needed, \
keep the code readable and typed, and run run_verify after each change."""
REVIEW = """Before you stop, review your own change. This is the diff of the twin's folder since \
you started:

{diff}

If something in it is wrong or unfinished, fix it with the tools; otherwise answer with a short \
summary of what you changed and why."""
Told = Callable[[int, str], None]


@dataclass
class Outcome:
    """How a repair went."""

    before: float
    after: float
    turns: int
    reached: bool
    changed: list[str] = field(default_factory=list)
    transcript: Path | None = None


@dataclass
class Transcript:
    """The JSONL transcript, with the API key masked in everything written."""

    out: TextIO | None
    secret: str
    started: float = field(default_factory=time.monotonic)

    def mask(self, text: str) -> str:
        return text.replace(self.secret, "[redacted]") if self.secret else text

    def write(self, record: dict[str, Any]) -> None:
        if self.out is None:
            return
        record = {"t": round(time.monotonic() - self.started, 3), **record}
        self.out.write(self.mask(json.dumps(record, ensure_ascii=False)) + "\n")
        self.out.flush()


@dataclass
class Repair:
    """One repair of one twin folder by one model."""

    provider: Provider
    workspace: Workspace
    target: float = 0.9
    max_turns: int = 12
    told: Told | None = None

    def tell(self, turn: int, what: str) -> None:
        if self.told is not None:
            self.told(turn, what)

    async def run(self, transcript: Path | None = None) -> Outcome:
        out = transcript.open("w", encoding="utf-8") if transcript else None
        try:
            log = Transcript(out, self.provider.api_key)
            return await self._run(log, transcript)
        finally:
            if out is not None:
                out.close()

    async def _run(self, log: Transcript, path: Path | None) -> Outcome:
        ws = self.workspace
        self.tell(0, "verifying the twin as it is")
        baseline = ws.verify()
        before = ws.fidelity or 0.0
        log.write({"turn": 0, "role": "verify", "fidelity": before, "output": baseline})
        conversation = Conversation(self.provider, SYSTEM, TOOLS)
        task = (
            f"The twin is in its folder; its files:\n{chr(10).join(ws.files())}\n\n"
            f"Verify against the recordings gives:\n{baseline}\n\n"
            f"Raise the fidelity to at least {self.target:.2f}."
        )
        conversation.add_user(log.mask(task))
        log.write({"turn": 0, "role": "user", "text": task})
        turns = 0
        async with httpx.AsyncClient(timeout=self.provider.timeout) as client:
            while turns < self.max_turns - 1 and before < self.target:
                turns += 1
                self.tell(turns, "asking the model")
                reply = await conversation.next(client)
                calls = await self._act(turns, reply.text, reply.calls, conversation, log)
                if not calls or (ws.fidelity or 0.0) >= self.target:
                    break
            if turns < self.max_turns and ws.diff():
                turns += 1  # the self-review turn, shown the diff
                self.tell(turns, "self-review of the diff")
                prompt = REVIEW.format(diff=ws.diff())
                conversation.add_user(log.mask(prompt))
                log.write({"turn": turns, "role": "user", "text": prompt})
                reply = await conversation.next(client)
                await self._act(turns, reply.text, reply.calls, conversation, log)
        self.tell(turns, "verifying the repaired twin")
        final = ws.verify()
        after = ws.fidelity or 0.0
        log.write({"turn": turns, "role": "verify", "fidelity": after, "output": final})
        changed = [line[6:] for line in ws.diff().splitlines() if line.startswith("+++ b/")]
        return Outcome(before, after, turns, after >= self.target, changed, path)

    async def _act(
        self, turn: int, text: str, calls: Sequence[ToolCall], conversation: Conversation, log: Transcript
    ) -> list[ToolCall]:
        """Log the model's turn, run the tools it called and give it their output."""
        log.write(
            {
                "turn": turn,
                "role": "assistant",
                "text": text,
                "calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls],
            }
        )
        results = []
        for call in calls:
            self.tell(turn, f"{call.name} {call.arguments.get('path', '')}".strip())
            output = log.mask(self.workspace.call(call))
            log.write({"turn": turn, "role": "tool", "id": call.id, "name": call.name, "output": output})
            results.append((call, output))
        if results:
            conversation.add_results(results)
        return list(calls)
