"""Chat model providers over httpx: the Anthropic Messages API and any OpenAI-compatible chat
completions endpoint (OpenAI, vLLM, Ollama...), with timeouts and retries on 429 and 5xx.

One module for every caller (the holdout judge's one-shot questions, the repair loop's tool-use
conversations). The API key is sent in a header and nowhere else: it is left out of the
provider's repr and of every message, transcript and error this module makes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
OPENAI_URL = "https://api.openai.com/v1"
KINDS = ("anthropic", "openai")
RETRIED = frozenset({429, 500, 502, 503, 504, 529})


class ProviderError(RuntimeError):
    """The provider could not be reached or kept refusing."""


@dataclass(frozen=True)
class ToolCall:
    """One tool the model asked to run, with its arguments."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Tool:
    """A tool the model may call: its name, what it does and its JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass
class Provider:
    """One chat model: `kind` is anthropic or openai (any OpenAI-compatible server)."""

    kind: str
    api_key: str = field(repr=False)
    model: str
    base_url: str
    timeout: float = 120.0
    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry, doubled after each

    def url(self) -> str:
        if self.kind == "anthropic":
            return self.base_url
        return self.base_url.rstrip("/") + "/chat/completions"

    def headers(self) -> dict[str, str]:
        if self.kind == "anthropic":
            return {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    async def post(self, body: dict[str, Any], client: httpx.AsyncClient | None = None) -> dict[str, Any]:
        """POST one request, retrying 429 and 5xx answers and transport errors with backoff."""
        own = client is None
        client = client or httpx.AsyncClient(timeout=self.timeout)
        try:
            for attempt in range(self.retries + 1):
                last = attempt == self.retries
                try:
                    resp = await client.post(self.url(), headers=self.headers(), json=body)
                except httpx.HTTPError as exc:
                    if last:
                        raise ProviderError(f"{self.kind} unreachable: {type(exc).__name__}") from None
                    await asyncio.sleep(self.delay(attempt, None))
                    continue
                if resp.status_code in RETRIED and not last:
                    await asyncio.sleep(self.delay(attempt, resp.headers.get("retry-after")))
                    continue
                if resp.status_code >= 400:
                    raise ProviderError(f"{self.kind} answered HTTP {resp.status_code}")
                data = resp.json()
                if not isinstance(data, dict):
                    raise ProviderError(f"{self.kind} answered something other than a JSON object")
                return data
            raise ProviderError(f"{self.kind}: no answer")  # pragma: no cover (the loop returns)
        finally:
            if own:
                await client.aclose()

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait: the server's Retry-After when it gives one (capped), else backoff."""
        if retry_after is not None:
            try:
                return min(float(retry_after), 60.0)
            except ValueError:
                pass
        return self.backoff * (1 << attempt)

    async def complete(
        self, system: str, prompt: str, client: httpx.AsyncClient | None = None, max_tokens: int = 300
    ) -> str:
        """The text of one answer to one prompt."""
        conversation = Conversation(self, system, [], max_tokens=max_tokens)
        conversation.add_user(prompt)
        return (await conversation.next(client)).text


@dataclass
class Reply:
    """What the model said in one turn: text and the tools it wants run."""

    text: str
    calls: list[ToolCall]


@dataclass
class Conversation:
    """A tool-use conversation, kept in the provider's own message format."""

    provider: Provider
    system: str
    tools: list[Tool]
    max_tokens: int = 4096
    messages: list[dict[str, Any]] = field(default_factory=list)

    def add_user(self, text: str) -> None:
        last = self.messages[-1] if self.messages else {}
        if (
            self.provider.kind == "anthropic"
            and last.get("role") == "user"
            and isinstance(last["content"], list)
        ):
            last["content"].append({"type": "text", "text": text})  # after tool results: one user turn
            return
        self.messages.append({"role": "user", "content": text})

    def request(self) -> dict[str, Any]:
        if self.provider.kind == "anthropic":
            body: dict[str, Any] = {
                "model": self.provider.model,
                "max_tokens": self.max_tokens,
                "system": self.system,
                "messages": self.messages,
            }
            if self.tools:
                body["tools"] = [
                    {"name": t.name, "description": t.description, "input_schema": t.parameters}
                    for t in self.tools
                ]
            return body
        body = {
            "model": self.provider.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": self.system}, *self.messages],
        }
        if self.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in self.tools
            ]
        return body

    async def next(self, client: httpx.AsyncClient | None = None) -> Reply:
        """Send the conversation; the model's reply is added to it and returned."""
        data = await self.provider.post(self.request(), client)
        if self.provider.kind == "anthropic":
            return self._anthropic(data)
        return self._openai(data)

    def _anthropic(self, data: dict[str, Any]) -> Reply:
        blocks = [b for b in data.get("content") or [] if isinstance(b, dict)]
        self.messages.append({"role": "assistant", "content": blocks})
        text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        calls = [
            ToolCall(str(b.get("id")), str(b.get("name")), dict(b.get("input") or {}))
            for b in blocks
            if b.get("type") == "tool_use"
        ]
        return Reply(text, calls)

    def _openai(self, data: dict[str, Any]) -> Reply:
        choices = data.get("choices") or [{}]
        message = dict(choices[0].get("message") or {})
        self.messages.append({"role": "assistant", **message})
        calls = []
        for item in message.get("tool_calls") or []:
            function = item.get("function") or {}
            try:
                arguments = json.loads(function.get("arguments") or "{}")
            except json.JSONDecodeError:
                arguments = {"_unparsed": function.get("arguments")}
            calls.append(ToolCall(str(item.get("id")), str(function.get("name")), dict(arguments)))
        return Reply(str(message.get("content") or ""), calls)

    def add_results(self, results: list[tuple[ToolCall, str]]) -> None:
        """The output of each tool the model called, as the provider expects it."""
        if self.provider.kind == "anthropic":
            content = [{"type": "tool_result", "tool_use_id": c.id, "content": out} for c, out in results]
            self.messages.append({"role": "user", "content": content})
            return
        self.messages += [{"role": "tool", "tool_call_id": c.id, "content": out} for c, out in results]
