"""`bench.known_objects`: which held-out exchanges name only objects training or their own
recording showed."""

from __future__ import annotations

import json
from typing import Any

from agent_runner.fidelity import profile_of
from bench.known_objects import known_exchanges
from recorder.trace import Body, Exchange, Request, Response


def exchange(seq: int, method: str, path: str, answer: Any = None) -> Exchange:
    body = Body(text=json.dumps(answer)) if answer is not None else Body()
    return Exchange(
        seq=seq,
        request=Request(method=method, url=f"https://api.example.com{path}"),
        response=Response(status=200, body=body),
    )


def test_an_object_is_known_from_training_paths_answer_urls_or_its_own_recording() -> None:
    train = [
        (
            "train",
            [
                exchange(0, "GET", "/repos/acme/tools/issues/5", {"id": 5}),
                exchange(1, "GET", "/orgs/acme", {"repos_url": "https://api.example.com/repos/acme/site"}),
            ],
        )
    ]
    test = [
        (
            "test",
            [
                exchange(0, "GET", "/repos/acme/tools/issues/5"),  # a training path
                exchange(1, "GET", "/repos/acme/tools"),  # the start of one
                exchange(2, "GET", "/repos/acme/site/issues/1"),  # repo from an answer's URL; issue 1 not
                exchange(3, "GET", "/repos/acme/gone"),  # never shown
                exchange(
                    4, "POST", "/repos/acme/tools/issues", {"url": "https://x/repos/acme/tools/issues/9"}
                ),
                exchange(5, "GET", "/repos/acme/tools/issues/9"),  # made by this recording first
            ],
        )
    ]
    known = known_exchanges(train, test, profile_of("github").endpoint)
    assert known == {("test", 0), ("test", 1), ("test", 4), ("test", 5)}
