"""The optional LLM judge, against mocked Anthropic and OpenAI-compatible endpoints."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from holdout.judge import ANTHROPIC_URL, JudgeError, Provider, parse_verdict


def test_provider_comes_from_the_environment() -> None:
    assert Provider.from_env({}) is None
    anthropic = Provider.from_env({"ANTHROPIC_API_KEY": "k1"})
    assert anthropic is not None and anthropic.kind == "anthropic" and anthropic.base_url == ANTHROPIC_URL
    openai = Provider.from_env(
        {"OPENAI_API_KEY": "k2", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "TWINS_JUDGE_MODEL": "m"}
    )
    assert openai is not None and (openai.kind, openai.model) == ("openai", "m")
    assert Provider.from_env({"TWINS_JUDGE_PROVIDER": "openai", "ANTHROPIC_API_KEY": "k"}) is None


@respx.mock
async def test_anthropic_messages_api_verdict() -> None:
    route = respx.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(
            200, json={"content": [{"type": "text", "text": '{"verdict": "pass", "reason": "polite"}'}]}
        )
    )
    provider = Provider("anthropic", "key-a", "claude-x", ANTHROPIC_URL)
    assert parse_verdict(await provider.ask("Criterion: be polite")) == (True, "polite")
    sent = route.calls.last.request
    assert sent.headers["x-api-key"] == "key-a" and sent.headers["anthropic-version"] == "2023-06-01"
    body = json.loads(sent.content)
    assert body["model"] == "claude-x" and body["messages"][0]["content"] == "Criterion: be polite"


@respx.mock
async def test_openai_compatible_chat_verdict_and_errors() -> None:
    url = "http://127.0.0.1:9/v1/chat/completions"
    respx.post(url).mock(
        return_value=httpx.Response(
            200, json={"choices": [{"message": {"content": 'sure: {"verdict": "fail", "reason": "rude"}'}}]}
        )
    )
    provider = Provider("openai", "key-o", "gpt-x", "http://127.0.0.1:9/v1")
    assert parse_verdict(await provider.ask("x")) == (False, "rude")
    assert respx.calls.last.request.headers["authorization"] == "Bearer key-o"
    failing = respx.post(url).mock(return_value=httpx.Response(500, json={}))
    failing.reset()  # the route is the one that answered above
    provider.backoff = 0.01  # retried as often, sooner: 0.01, 0.02, 0.04 s instead of 0.5, 1, 2
    with pytest.raises(JudgeError, match="HTTP 500"):
        await provider.ask("x")
    assert failing.call_count == provider.retries + 1


def test_an_answer_without_a_verdict_is_an_error() -> None:
    with pytest.raises(JudgeError):
        parse_verdict("I think it is fine")
    with pytest.raises(JudgeError):
        parse_verdict('{"verdict": "maybe"}')
