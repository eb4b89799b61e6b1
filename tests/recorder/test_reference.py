"""Every cassette under ../shared/reference imports cleanly, with the measured counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from recorder.importers import load_recording_as, session_names

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference"

SETS = {
    "okta": ("okta/terraform-provider-okta/test/fixtures/vcr", "**/*.yaml"),
    "jira-cloud": ("jira/django-DefectDojo/unittests/vcr/jira", "*.yaml"),
    "jira-server": ("jira/connector-jira", "**/cassettes/*.yaml"),
    "slack": ("slack/slack-ruby-client/spec/fixtures/slack/web", "*.yml"),
    "github": ("github/github3.py/tests/cassettes", "*.json"),
}
FILES = {"okta": 346, "jira-cloud": 44, "jira-server": 19, "slack": 16, "github": 316}
FORMATS = {"go-vcr": 346, "vcrpy": 63, "ruby-vcr": 16, "betamax": 316}
EXCHANGES = {
    "okta": {"okta": 6733},
    "jira-cloud": {"jira": 836, "unknown": 122},  # `unknown` = the webhook.endpoint calls
    "jira-server": {"jira": 166},
    "slack": {"slack": 37},
    "github": {"github": 808, "unknown": 4},  # release assets on S3, raw files on github.com
}
SERVICES = {"okta": 6733, "jira": 1002, "slack": 37, "github": 808, "unknown": 126}


@pytest.mark.reference
def test_every_reference_cassette_imports() -> None:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not here")
    files = {name: sorted((REFERENCE / base).glob(pattern)) for name, (base, pattern) in SETS.items()}
    assert {name: len(paths) for name, paths in files.items()} == FILES

    names = session_names([path for paths in files.values() for path in paths])
    formats: Counter[str] = Counter()
    services: Counter[str] = Counter()
    sessions: set[str] = set()
    binary_bodies = 0
    binary_responses = 0
    for name, paths in files.items():
        per_set: Counter[str] = Counter()
        for path in paths:
            fmt, exchanges = load_recording_as(path, names[path])
            formats[fmt] += 1
            for exchange in exchanges:
                per_set[exchange.service] += 1
                sessions.add(exchange.session)
                assert exchange.ts, f"{path}: exchange {exchange.seq} has no timestamp"
                binary_responses += exchange.response.body.encoding == "base64"
                binary_bodies += exchange.request.body.encoding == "base64"
        assert dict(per_set) == EXCHANGES[name], name
        services.update(per_set)

    assert dict(formats) == FORMATS
    assert dict(services) == SERVICES
    assert len(sessions) == 737  # 741 files, 4 Okta cassettes have no interactions
    assert binary_bodies == 2  # two Okta multipart uploads with non-UTF-8 bytes
    assert binary_responses == 2  # two GitHub release assets (application/octet-stream)
