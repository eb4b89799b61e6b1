"""The optional LLM judge for free-text expectations: the Anthropic Messages API or any
OpenAI-compatible chat endpoint over httpx, keys from the environment. Without a provider a `judge`
expectation is skipped (counted neither way), never guessed."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

import httpx

from holdout.rules import READS, Outcome, app_journal, message_text, path_of
from holdout.seeding import World
from holdout.twinset import TwinSet

ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
OPENAI_URL = "https://api.openai.com/v1"
SYSTEM = (
    "You judge whether a chat bot's behaviour meets one criterion. You get the criterion and a "
    'transcript. Answer with JSON only: {"verdict": "pass" or "fail", "reason": "one sentence"}.'
)
VERDICT_RE = re.compile(r"\{.*\}", re.S)


class JudgeError(RuntimeError):
    """The provider could not be reached or gave no verdict."""


@dataclass
class Provider:
    """One chat model: `kind` is anthropic or openai (any OpenAI-compatible server)."""

    kind: str
    api_key: str
    model: str
    base_url: str

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

    def request(self, prompt: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """URL, headers and JSON body of one chat call."""
        if self.kind == "anthropic":
            headers = {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}
            body = {
                "model": self.model,
                "max_tokens": 300,
                "system": SYSTEM,
                "messages": [{"role": "user", "content": prompt}],
            }
            return self.base_url, headers, body
        headers = {"Authorization": f"Bearer {self.api_key}"}
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
        }
        return self.base_url.rstrip("/") + "/chat/completions", headers, body

    @staticmethod
    def text_of(kind: str, data: dict[str, Any]) -> str:
        if kind == "anthropic":
            return "".join(b.get("text", "") for b in data.get("content", []) if b.get("type") == "text")
        choices = data.get("choices") or [{}]
        return str(choices[0].get("message", {}).get("content") or "")

    async def ask(self, prompt: str, client: httpx.AsyncClient | None = None) -> str:
        url, headers, body = self.request(prompt)
        own = client is None
        client = client or httpx.AsyncClient(timeout=60)
        try:
            resp = await client.post(url, headers=headers, json=body)
        except httpx.HTTPError as exc:
            raise JudgeError(f"{self.kind} judge unreachable: {type(exc).__name__}") from None
        finally:
            if own:
                await client.aclose()
        if resp.status_code >= 400:
            raise JudgeError(f"{self.kind} judge answered HTTP {resp.status_code}")
        return self.text_of(self.kind, resp.json())


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
