"""`twins repair` end to end with mocked providers: a scripted model fixes the notes twin's wrong
status code through the tools, verify's fidelity rises, escapes are refused, the key stays out of
the transcript and the output, and 429/500 answers are retried."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from agent_runner.agent.provider import ANTHROPIC_URL, Provider
from twins.cli import app

HERE = Path(__file__).parent
RECORDINGS = HERE / "recordings"
WRONG = '@api.operation("POST", "/notes", write=True, status=200)'
RIGHT = '@api.operation("POST", "/notes", write=True, status=201)'
KEY = "sk-test-0123456789-do-not-log-me"
OPENAI_BASE = "http://127.0.0.1:9/v1"  # an OpenAI-compatible server (vLLM, Ollama)
TWIN_TEST = '''"""The notes twin answers a create with 201, as GitHub-like APIs do."""

import asyncio
from pathlib import Path

import httpx

from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.twin_dir import load_service


async def create_status() -> int:
    service = load_service(Path(__file__).parent)
    twin = build_app(service, Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off"))
    async with twin.router.lifespan_context(twin):
        transport = httpx.ASGITransport(app=twin)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            token = (await client.get("/_twin/credentials")).json()["api_token"]
            auth = {"Authorization": f"token {token}"}
            return (await client.post("/notes", json={"title": "x"}, headers=auth)).status_code


def test_create_answers_201() -> None:
    assert asyncio.run(create_status()) == 201
'''
MODEL = ["--model", "m"]
runner = CliRunner()


@pytest.fixture
def twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The twin's test needs no pytest plugin but xdist (the tool passes `-n 0`): its pytest run
    # skips loading every other installed one (hypothesis, schemathesis, faker: seconds each start).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_PLUGINS", "xdist.plugin")
    folder = tmp_path / "notes"
    shutil.copytree(HERE / "notes_twin", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "outside.py").write_text("SECRET = 1\n")
    (folder / "link").symlink_to(tmp_path)  # a way out of the folder the model must not take
    return folder


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the provider chose before each retry, in order; it retries without sleeping them."""
    chosen: list[float] = []
    choose = Provider.delay

    def delay(self: Provider, attempt: int, retry_after: str | None) -> float:
        chosen.append(choose(self, attempt, retry_after))
        return 0.0

    monkeypatch.setattr(Provider, "delay", delay)
    return chosen


def fixed(folder: Path) -> str:
    text = (folder / "notes.py").read_text()
    assert WRONG in text
    return text.replace(WRONG, RIGHT)


# The model's tool calls, turn by turn (name, arguments); the last turn answers the self-review.
def script(folder: Path) -> list[list[tuple[str, dict[str, Any]]]]:
    return [
        [("list_files", {})],
        [("read_file", {"path": "notes.py"})],
        [
            ("write_file", {"path": "notes.py", "content": fixed(folder)}),
            ("write_file", {"path": "../outside.py", "content": "SECRET = 2\n"}),
            ("write_file", {"path": "link/outside.py", "content": "SECRET = 3\n"}),
            ("read_file", {"path": "/etc/passwd"}),
        ],
        [("run_tests", {}), ("run_verify", {})],
        [],
    ]


def anthropic_turn(index: int, calls: list[tuple[str, dict[str, Any]]]) -> httpx.Response:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": f"Step {index}."}]
    blocks += [
        {"type": "tool_use", "id": f"toolu_{index}_{n}", "name": name, "input": args}
        for n, (name, args) in enumerate(calls)
    ]
    if not calls:
        blocks = [{"type": "text", "text": "The diff makes POST /notes answer 201, as recorded. Done."}]
    stop = "tool_use" if calls else "end_turn"
    return httpx.Response(200, json={"role": "assistant", "content": blocks, "stop_reason": stop})


def openai_turn(index: int, calls: list[tuple[str, dict[str, Any]]]) -> httpx.Response:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if calls else "POST /notes now answers 201.",
    }
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{index}_{n}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for n, (name, args) in enumerate(calls)
        ]
    return httpx.Response(200, json={"choices": [{"index": 0, "message": message}]})


def run(folder: Path, provider: str, transcript: Path, *extra: str) -> Any:
    args = ["repair", "--twin", str(folder), "--traces", str(RECORDINGS), "--provider", provider]
    args += ["--model", "m-test", "--transcript", str(transcript), *extra]
    return runner.invoke(app, args)


def check_repaired(folder: Path, transcript: Path, output: str) -> list[dict[str, Any]]:
    assert RIGHT in (folder / "notes.py").read_text()  # the edit landed in the twin's folder
    assert (folder.parent / "outside.py").read_text() == "SECRET = 1\n"  # escapes were refused
    assert "fidelity before" in output and "87.5%" in output and "100.0%" in output
    text = transcript.read_text()
    assert KEY not in text and KEY not in output
    records = [json.loads(line) for line in text.splitlines()]
    outputs = {r["name"] + ":" + r["output"][:60] for r in records if r["role"] == "tool"}
    assert sum("refused" in o for o in outputs) == 3, outputs
    verifies = [r["fidelity"] for r in records if r["role"] == "verify"]
    assert verifies == [0.875, 1.0]
    tests = [r["output"] for r in records if r["role"] == "tool" and r["name"] == "run_tests"]
    assert tests and tests[0].startswith("exit code 0"), tests
    return records


@respx.mock
def test_an_anthropic_model_repairs_a_wrong_status(
    twin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    (twin / "test_notes.py").write_text(TWIN_TEST)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    turns = [anthropic_turn(i, calls) for i, calls in enumerate(script(twin))]
    retried = [httpx.Response(429, headers={"retry-after": "0"}), httpx.Response(529, json={})]
    route = respx.post(ANTHROPIC_URL).mock(side_effect=[*retried, *turns])
    transcript = tmp_path / "t.jsonl"
    result = run(twin, "anthropic", transcript)
    assert result.exit_code == 0, result.output
    check_repaired(twin, transcript, result.output)
    assert route.call_count == len(turns) + 2  # the 429 and the 529 were retried
    assert delays == [0.0, 1.0]  # the 429's Retry-After, then the backoff of a second attempt
    assert all(call.request.headers["x-api-key"] == KEY for call in route.calls)
    review = json.loads(route.calls.last.request.content)["messages"][-1]["content"]
    review_text = review[-1]["text"] if isinstance(review, list) else review
    assert "-" + WRONG in review_text and "+" + RIGHT in review_text  # shown its own diff
    sent = json.loads(route.calls[4].request.content)["messages"][-1]["content"]
    assert sent[0]["type"] == "tool_result" and WRONG in sent[0]["content"]  # it read the file


@respx.mock
def test_an_openai_compatible_model_repairs_a_wrong_status(
    twin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    (twin / "test_notes.py").write_text(TWIN_TEST)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    turns = [openai_turn(i, calls) for i, calls in enumerate(script(twin))]
    route = respx.post(f"{OPENAI_BASE}/chat/completions").mock(
        side_effect=[httpx.Response(500, json={}), *turns]
    )
    transcript = tmp_path / "t.jsonl"
    result = run(twin, "openai", transcript, "--base-url", OPENAI_BASE, "--target", "0.95")
    assert result.exit_code == 0, result.output
    records = check_repaired(twin, transcript, result.output)
    assert route.call_count == len(turns) + 1
    assert delays == [0.5]  # the first backoff
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(route.calls.last.request.content)
    assert body["model"] == "m-test" and {t["function"]["name"] for t in body["tools"]} == {
        "list_files",
        "read_file",
        "write_file",
        "run_verify",
        "run_tests",
    }
    tool_messages = [m for m in body["messages"] if m["role"] == "tool"]
    assert tool_messages[0]["tool_call_id"] == "call_0_0" and "notes.py" in tool_messages[0]["content"]
    assert [r["turn"] for r in records if r["role"] == "assistant"] == [1, 2, 3, 4, 5]


@respx.mock
def test_the_budget_stops_a_model_that_never_gets_there(
    twin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    idle = [anthropic_turn(i, [("list_files", {})]) for i in range(3)]
    route = respx.post(ANTHROPIC_URL).mock(side_effect=idle)
    result = run(twin, "anthropic", tmp_path / "t.jsonl", "--max-turns", "3")
    assert result.exit_code == 1, result.output  # the target was not reached
    assert route.call_count == 2  # two working turns; no diff, so no review turn
    assert WRONG in (twin / "notes.py").read_text()


def test_a_missing_key_is_a_clear_error(twin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = runner.invoke(
        app,
        ["repair", "--twin", str(twin), "--traces", str(RECORDINGS), "--provider", "anthropic", *MODEL],
    )
    assert result.exit_code == 2 and "set ANTHROPIC_API_KEY" in result.output
