"""A generated twin's creates from their render plans (`twins.kit.creates`) answer and store what
the creates made the whole way do: every recorded exchange of GitHub's and Okta's recordings is
replayed against a twin generated from them, once as served and once with every create made the
whole way, and the answers (byte for byte, timestamps masked) and the stored documents compared."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import twins.kit.resources as resources
from agent_runner.fidelity import app_factory
from bench.generated_fidelity import build, recordings, without_other_hosts
from recorder.parity.engine import RecordingInput, load_traces
from twins.kit.documents import DOCUMENTS
from twins.twin_dir import load_service

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
ERROR_ID = re.compile(r'"errorId":"[^"]*"')  # Okta's, random per error
DROPPED = {"authorization", "host", "content-length", "cookie", "x-okta-user-agent-extended"}
SCHEMES = {"github": "token", "okta": "SSWS"}


def masked(text: str) -> str:
    return ERROR_ID.sub('"errorId":""', STAMP.sub("<time>", text))


async def replayed(folder: Path, service: str, recs: list[RecordingInput]) -> tuple[list[str], list[str]]:
    """Every exchange's answer (status, body) and, after all of them, every stored document."""
    app = app_factory(load_service(folder))
    ctx = app.state.twin
    try:
        creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
        token = creds.get("token") or creds["api_token"]
        answers = []
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 alike
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for _, exchanges in recs:
                for e in exchanges:
                    url = urlsplit(e.request.url)
                    headers = {k: v for k, v in e.request.headers if k.lower() not in DROPPED}
                    headers["Authorization"] = f"{SCHEMES[service]} {token}"
                    got = await client.request(
                        e.request.method,
                        url.path + (f"?{url.query}" if url.query else ""),
                        headers=headers,
                        content=e.request.body.to_bytes(),
                    )
                    answers.append(f"{e.request.method} {url.path} {got.status_code} {masked(got.text)}")
        docs = ctx.default_state()[DOCUMENTS]
        stored = [masked(f"{r['id']} {r['body']!r}") for r in docs.filter(lambda r: True)]
        return answers, stored
    finally:
        ctx.store.stop()


def counting(made: list[int]) -> Callable[..., Any]:
    real = resources.planned

    def planned(*args: Any) -> Any:
        out = real(*args)
        if out is not None and isinstance(out[0].body, bytes):
            made.append(1)
        return out

    return planned


@pytest.mark.parametrize("service", ["github", "okta"])
async def test_planned_creates_answer_and_store_as_made_whole(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not recordings(service):
        pytest.skip("the reference recordings are not here")
    recs = without_other_hosts(load_traces(recordings(service)), service)
    build(service, recs, tmp_path / "twin")
    made: list[int] = []
    monkeypatch.setattr(resources, "planned", counting(made))
    planned = await replayed(tmp_path / "twin", service, recs)
    assert len(made) >= 5, len(made)  # creates answered from their plans
    monkeypatch.setattr(resources, "planned", lambda *args: None)
    whole = await replayed(tmp_path / "twin", service, recs)
    assert len(planned[0]) == len(whole[0])
    for a, b in zip(planned[0], whole[0], strict=True):
        assert a == b
    assert planned[1] == whole[1]
