"""Importers for vcrpy, go-vcr, Ruby VCR, HAR and JSONL, and their error messages."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from recorder.importers import detect_format, load_recording, session_names
from recorder.trace import Body, Exchange, Request, Response, TraceFormatError, TraceWriter
from tests.recorder.fixtures import (
    BINARY,
    GZIPPED_JSON,
    govcr_yaml,
    ruby_vcr_yaml,
    vcrpy_yaml,
    write,
    write_har,
)


def test_vcrpy_binary_headers_bodies_and_gzip(tmp_path: Path) -> None:
    path = write(tmp_path, "jira_issue.yaml", vcrpy_yaml())
    assert detect_format(path) == "vcrpy"
    get, post, hook = load_recording(path)

    assert get.request.method == "GET"
    assert get.request.url == "http://jira:8080/rest/api/2/issue/10042"
    assert get.header("request", "accept") == "application/json"  # was !!binary
    assert get.request.body == Body()
    assert json.loads(get.response.body.text) == {"id": "10042", "key": "PRJ-7"}
    assert get.response.status == 200
    assert get.ts == "2019-04-12T11:52:03.000Z"  # from the Date header
    assert (get.service, get.seq, get.session) == ("jira", 0, "jira_issue")

    assert post.request.body.text == '{"fields": {"summary": "hello"}}'
    assert post.response.body == Body(text=GZIPPED_JSON.decode())  # gzip bytes decompressed
    assert post.header("response", "Content-Encoding") == "gzip"
    assert (post.response.status, post.service, post.seq, post.ts) == (201, "jira", 1, "")

    assert hook.request.method == "POST"
    assert hook.request.body.text == "a=1&b=2"  # bytes body decoded
    assert (hook.service, hook.response.status) == ("unknown", 204)


def test_govcr_durations_and_services(tmp_path: Path) -> None:
    path = write(tmp_path, "oie-00.yaml", govcr_yaml())
    assert detect_format(path) == "go-vcr"
    read, create, delete = load_recording(path)

    assert read.request.url.endswith("/api/v1/users/00u1abcdEFGH2345ijk6?limit=2")
    assert read.header("request", "Authorization") == "SSWS REDACTED"
    assert read.request.body.text == ""  # `form` mirrors the query string, not a body
    assert read.response.status == 200
    assert read.duration_ms == pytest.approx(2360.291417)
    assert read.ts == "2025-09-18T09:38:13.000Z"
    assert create.request.body.text == '{"profile":{"name":"x"}}'
    assert create.response.status == 400
    assert create.duration_ms == pytest.approx(1.5)
    assert delete.response.status == 204
    assert delete.duration_ms == pytest.approx(62500.0)
    assert {e.service for e in (read, create, delete)} == {"okta"}
    assert [e.seq for e in (read, create, delete)] == [0, 1, 2]


def test_ruby_vcr_text_and_base64_bodies(tmp_path: Path) -> None:
    path = write(tmp_path, "conversations_info.yml", ruby_vcr_yaml())
    assert detect_format(path) == "ruby-vcr"
    info, download = load_recording(path)

    assert info.request.method == "POST"
    assert info.request.body.text == "channel=C012AB3CD"
    assert json.loads(info.response.body.text) == {"ok": False, "error": "channel_not_found"}
    assert info.ts == "2019-01-19T21:25:48.000Z"  # recorded_at
    assert info.service == "slack"
    assert download.service == "slack"  # files.slack.com
    assert download.response.body.encoding == "base64"
    assert download.response.body.to_bytes() == BINARY
    assert download.session == "conversations_info"


def test_har_entries(tmp_path: Path) -> None:
    path = write_har(tmp_path)
    assert detect_format(path) == "har"
    post, users, logo = load_recording(path)

    assert post.request.headers == [("Content-Type", "application/json")]  # no :authority
    assert post.request.body.text == '{"text":"hi"}'
    assert (post.ts, post.duration_ms, post.service) == ("2024-03-01T10:00:00.000Z", 123.5, "slack")
    assert users.response.body.text == GZIPPED_JSON.decode()  # base64 gzip -> text
    assert users.service == "okta"
    assert logo.response.body == Body(text=base64.b64encode(BINARY).decode(), encoding="base64")
    assert (logo.duration_ms, logo.service) == (0.0, "unknown")


def test_jsonl_trace_keeps_sessions_and_services(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    exchange = Exchange(
        service="slack",
        seq=41,
        session="earlier",
        request=Request(method="POST", url="https://slack.com/api/auth.test"),
        response=Response(status=200),
    )
    with TraceWriter(path) as writer:
        writer.write(exchange)
    assert detect_format(path) == "jsonl"
    (loaded,) = load_recording(path)
    assert (loaded.service, loaded.session, loaded.seq) == ("slack", "earlier", 0)


def _trace_line(url: str, version: int = 1) -> str:
    exchange = Exchange(request=Request(method="GET", url=url), response=Response(status=200))
    raw = exchange.model_dump(mode="json")
    raw["v"] = version
    return json.dumps(raw)


def test_torn_last_line_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "crashed.jsonl"
    whole = _trace_line("https://slack.com/api/auth.test")
    path.write_text(whole + "\n" + whole[: len(whole) // 2], encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        exchanges = load_recording(path)
    assert len(exchanges) == 1
    assert "torn last line" in caplog.text


def test_unknown_version_line_names_file_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl"
    path.write_text(_trace_line("https://slack.com/api/auth.test", version=99) + "\n", "utf-8")
    with pytest.raises(TraceFormatError, match=r"future\.jsonl:1: trace format version 99.*upgrade"):
        load_recording(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.yaml", "interactions: [\n", r"bad\.yaml: not valid YAML \(line 2.*; fix the YAML"),
        ("other.yaml", "foo: bar\n", r"other\.yaml: not a recognised recording.*; pass a HAR"),
        ("list.yml", "- 1\n- 2\n", r"list\.yml: not a recognised recording"),
        ("empty.yaml", "", r"empty\.yaml: the file is empty; pass"),
        ("nolog.har", '{"log": {}}', r"nolog\.har: HAR has no log\.entries list; export"),
        ("broken.har", '{"log": ', r"broken\.har: not valid JSON \(line 1"),
        ("nomethod.har", '{"log": {"entries": [{"request": {}, "response": {}}]}}', r"entry 0"),
        ("nourl.yaml", "interactions:\n- request: {method: GET}\n  response: {}\n", r"`uri`"),
        (
            "status.yaml",
            "http_interactions:\n- request: {method: get, uri: 'http://x'}\n"
            "  response: {status: {code: abc}}\n",
            r"interaction 0: response: response status",
        ),
    ],
)
def test_unreadable_recordings_fail_with_one_line(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(TraceFormatError, match=message) as caught:
        load_recording(path)
    assert "\n" not in str(caught.value)
    assert "; " in str(caught.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(TraceFormatError, match=r"nope\.yaml: no such file; check the path"):
        load_recording(tmp_path / "nope.yaml")
    with pytest.raises(TraceFormatError, match=r"is a directory; pass the recording files"):
        detect_format(tmp_path)


def test_empty_cassette_is_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "oie-00.yaml", "---\nversion: 2\ninteractions: []\n")
    assert detect_format(path) == "go-vcr"
    assert load_recording(path) == []


def test_session_names_widen_only_colliding_stems(tmp_path: Path) -> None:
    a = tmp_path / "TestA" / "oie-00.yaml"
    b = tmp_path / "TestB" / "oie-00.yaml"
    c = tmp_path / "x" / "TestA" / "oie-00.yaml"
    other = tmp_path / "users_list.yml"
    names = session_names([a, b, c, other])
    assert names[b] == "TestB/oie-00"
    assert names[other] == "users_list"
    assert names[a] != names[c]
    assert names[a].endswith("TestA/oie-00") and names[c].endswith("TestA/oie-00")
    assert load_recording(write(tmp_path, "s.yaml", govcr_yaml()), "given")[0].session == "given"
