"""Small inline recordings in every supported format, written to a temp folder by the tests."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

GZIPPED_JSON = b'{"ok":true,"zipped":1}'
BINARY = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def vcrpy_yaml() -> str:
    """Jira-style vcrpy cassette: `!!binary` headers, null/str/bytes bodies, gzip body bytes."""
    return f"""\
interactions:
- request:
    body: null
    headers:
      Accept:
      - !!binary |
        YXBwbGljYXRpb24vanNvbg==
      User-Agent: [python-requests/2.21.0]
    method: GET
    uri: http://jira:8080/rest/api/2/issue/10042
  response:
    body: {{string: '{{"id":"10042","key":"PRJ-7"}}'}}
    headers:
      Content-Type: [application/json;charset=UTF-8]
      Date: ["Fri, 12 Apr 2019 11:52:03 GMT"]
    status: {{code: 200, message: ""}}
- request:
    body: '{{"fields": {{"summary": "hello"}}}}'
    headers: {{Content-Type: [application/json]}}
    method: POST
    uri: https://example.atlassian.net/rest/api/2/issue
  response:
    body:
      string: !!binary |
        {b64(gzip.compress(GZIPPED_JSON))}
    headers:
      Content-Encoding: [gzip]
    status: {{code: 201, message: Created}}
- request:
    body: !!binary |
      {b64(b"a=1&b=2")}
    headers: {{}}
    method: post
    uri: http://webhook.endpoint:8080/post
  response:
    body: {{string: ''}}
    headers: {{}}
    status: {{code: 204, message: No Content}}
version: 1
"""


def govcr_yaml() -> str:
    """Okta-style go-vcr v2 cassette with Go durations and a `form` that mirrors the query."""
    return """\
---
version: 2
interactions:
    - id: 0
      request:
        proto: HTTP/1.1
        content_length: 0
        host: oie-00.dne-okta.com
        form:
            limit:
                - "2"
        headers:
            Accept:
                - application/json
            Authorization:
                - SSWS REDACTED
        url: https://oie-00.dne-okta.com/api/v1/users/00u1abcdEFGH2345ijk6?limit=2
        method: GET
      response:
        proto: HTTP/2.0
        content_length: -1
        body: '{"id":"00u1abcdEFGH2345ijk6","status":"ACTIVE"}'
        headers:
            Content-Type:
                - application/json
            Date:
                - Thu, 18 Sep 2025 09:38:13 GMT
        status: 200 OK
        code: 200
        duration: 2.360291417s
    - id: 1
      request:
        body: '{"profile":{"name":"x"}}'
        headers:
            Content-Type:
                - application/json
        url: https://oie-00.dne-okta.com/api/v1/groups
        method: POST
      response:
        body: '{"errorCode":"E0000001"}'
        headers: {}
        status: 400 Bad Request
        code: 400
        duration: 1.5ms
    - id: 2
      request:
        headers: {}
        url: https://oie-00.dne-okta.com/api/v1/groups/00g1abcdEFGH2345ijk6
        method: DELETE
      response:
        body: ""
        headers: {}
        status: 204 No Content
        code: 204
        duration: 1m2.5s
"""


def ruby_vcr_yaml() -> str:
    """Slack-style Ruby VCR cassette: form POST, {encoding, string} and base64_string bodies."""
    return f"""\
---
http_interactions:
- request:
    method: post
    uri: https://slack.com/api/conversations.info
    body:
      encoding: UTF-8
      string: channel=C012AB3CD
    headers:
      Content-Type:
      - application/x-www-form-urlencoded
  response:
    status:
      code: 200
      message: OK
    headers:
      Content-Type:
      - application/json; charset=utf-8
    body:
      encoding: UTF-8
      string: '{{"ok":false,"error":"channel_not_found"}}'
  recorded_at: Sat, 19 Jan 2019 21:25:48 GMT
- request:
    method: get
    uri: https://files.slack.com/files-pri/T1-F1/logo.png
    body:
      encoding: US-ASCII
      string: ''
    headers: {{}}
  response:
    status:
      code: 200
      message: OK
    headers:
      Content-Type:
      - image/png
    body:
      encoding: ASCII-8BIT
      base64_string: |
        {b64(BINARY)}
  recorded_at: Mon, 04 Feb 2019 10:00:00 GMT
recorded_with: VCR 6.0.0
"""


def har_document() -> dict[str, Any]:
    """HAR 1.2 with a JSON POST, a base64 gzip body, a binary body and an HTTP/2 pseudo-header."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                {
                    "startedDateTime": "2024-03-01T10:00:00.000Z",
                    "time": 123.5,
                    "request": {
                        "method": "POST",
                        "url": "https://slack.com/api/chat.postMessage",
                        "httpVersion": "HTTP/2",
                        "headers": [
                            {"name": ":authority", "value": "slack.com"},
                            {"name": "Content-Type", "value": "application/json"},
                        ],
                        "postData": {"mimeType": "application/json", "text": '{"text":"hi"}'},
                    },
                    "response": {
                        "status": 200,
                        "headers": [{"name": "Content-Type", "value": "application/json"}],
                        "content": {"mimeType": "application/json", "text": '{"ok":true}'},
                    },
                },
                {
                    "startedDateTime": "2024-03-01T10:00:01.000Z",
                    "time": 7,
                    "request": {
                        "method": "GET",
                        "url": "https://acme.okta.com/api/v1/users?limit=1",
                        "headers": [],
                    },
                    "response": {
                        "status": 200,
                        "headers": [{"name": "Content-Encoding", "value": "gzip"}],
                        "content": {
                            "mimeType": "application/json",
                            "text": b64(gzip.compress(GZIPPED_JSON)),
                            "encoding": "base64",
                        },
                    },
                },
                {
                    "startedDateTime": "2024-03-01T10:00:02.000Z",
                    "time": -1,
                    "request": {"method": "GET", "url": "https://cdn.example.com/logo.png"},
                    "response": {
                        "status": 200,
                        "headers": [],
                        "content": {"mimeType": "image/png", "text": b64(BINARY), "encoding": "base64"},
                    },
                },
            ],
        }
    }


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_har(folder: Path, name: str = "session.har") -> Path:
    return write(folder, name, json.dumps(har_document()))
