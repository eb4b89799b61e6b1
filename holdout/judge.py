"""The optional LLM judge for free-text expectations: the Anthropic Messages API or any
OpenAI-compatible chat endpoint (the shared `agent_runner.agent.provider`), keys from the
environment. Without a provider a `judge` expectation is skipped (counted neither way), never
guessed."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

import httpx

from agent_runner.agent.provider import ANTHROPIC_URL, OPENAI_URL, ProviderError
from agent_runner.agent.provider import Provider as ChatProvider
from holdout.rules import READS, Outcome, app_journal, message_text, path_of
from holdout.seeding import World
from holdout.twinset import TwinSet

SYSTEM = (
    "You judge whether a chat bot's behaviour meets one criterion. You get the criterion and a "
    'transcript. Answer with JSON only: {"verdict": "pass" or "fail", "reason": "one sentence"}.'
)
VERDICT_RE = re.compile(r"\{.*\}", re.S)
JudgeError = ProviderError  # the provider could not be reached or gave no verdict


@dataclass
class Provider(ChatProvider):
    """The judge's chat model (the shared provider), chosen by the environment."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Provider | None:
        """TWINS_JUDGE_PROVIDER (anthropic|openai), the vendor's key variable, TWINS_JUDGE_MODEL."""
        env = dict(os.environ) if env is None else env
        kind = env.get("TWINS_JUDGE_PROVIDER", "").lower()
        if not kind:
            kind = (
                "anthropic" if env.get("ANTHROPIC_API_KEY") else "openai" if env.get("OPENAI_API_KEY") else ""
            )
        if kind == "anthropic" and env.get("ANTHROPIC_API_KEY"):
            model = env.get("TWINS_JUDGE_MODEL", "claude-3-5-haiku-latest")
            return cls(
                "anthropic", env["ANTHROPIC_API_KEY"], model, env.get("ANTHROPIC_BASE_URL", ANTHROPIC_URL)
            )
        if kind == "openai" and env.get("OPENAI_API_KEY"):
            model = env.get("TWINS_JUDGE_MODEL", "gpt-4o-mini")
            return cls("openai", env["OPENAI_API_KEY"], model, env.get("OPENAI_BASE_URL", OPENAI_URL))
        return None

    async def ask(self, prompt: str, client: httpx.AsyncClient | None = None) -> str:
        return await self.complete(SYSTEM, prompt, client)


def parse_verdict(text: str) -> tuple[bool, str]:
    """(passed, reason) from the model's JSON answer; anything else is a JudgeError."""
    found = VERDICT_RE.search(text)
    try:
        data = json.loads(found.group(0)) if found else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or data.get("verdict") not in ("pass", "fail"):
        raise JudgeError("the judge gave no pass/fail verdict")
    return data["verdict"] == "pass", str(data.get("reason", ""))


async def transcript(twins: TwinSet, world: World, channels: list[str] | None) -> str:
    """What a reviewer would read: the channels' messages by person, and the app's Okta writes."""
    names = {p.slack_id: p.alias for p in world.people.values()}
    bot = world.creds.get("slack", {}).get("bot_user_id", "")
    lines: list[str] = []
    if "slack" in twins.twins and "slack" in world.creds:
        for name in channels or list(world.channels):
            channel = world.channels.get(name, name)
            for m in await twins["slack"].rows(world.tenant, "messages", channel=channel):
                who = (
                    "bot"
                    if m.get("bot_id") or m.get("user") == bot
                    else names.get(m.get("user") or "", "someone")
                )
                lines.append(f"#{name} {who}: {message_text(m)}")
    if "okta" in twins.twins and "okta" in world.creds:
        for e in await app_journal(twins, world, "okta"):
            if e["request"]["method"] not in READS:
                lines.append(f"okta {e['request']['method']} {path_of(e)} -> {e['response']['status']}")
    return "\n".join(lines) or "(nothing happened)"


async def judge(twins: TwinSet, world: World, spec: dict[str, Any], provider: Provider | None) -> Outcome:
    """One free-text expectation; skipped without a provider, failed when the judge errs."""
    if provider is None:
        return Outcome("judge", True, "no LLM judge configured", skipped=True)
    text = await transcript(twins, world, spec.get("channels"))
    prompt = f"Criterion: {spec['criterion']}\n\nTranscript:\n{text}"
    try:
        passed, reason = parse_verdict(await provider.ask(prompt))
    except JudgeError as exc:
        return Outcome("judge", False, str(exc))
    return Outcome("judge", passed, reason)
