"""Named matchers: values by content type, templates, and the explanation of a miss."""

from __future__ import annotations

import json

import pytest

from recorder.match import Incoming, closest, explain, matchers_for, miss_body, signature

FORM = (("content-type", "application/x-www-form-urlencoded"),)
JSON = (("content-type", "application/json"),)


def test_json_and_form_bodies_match_whatever_their_order() -> None:
    names = ("method", "path", "body")
    a = Incoming("POST", "/api/x", body=b'{"a":1,"b":[1,2]}', headers=JSON)
    b = Incoming("POST", "/api/x", body=b'{ "b": [1, 2], "a": 1 }', headers=JSON)
    assert signature(a, names) == signature(b, names)
    f1 = Incoming("POST", "/api/x", body=b"channel=C1&text=hi", headers=FORM)
    f2 = Incoming("POST", "/api/x", body=b"text=hi&channel=C1", headers=FORM)
    assert signature(f1, names) == signature(f2, names)
    assert signature(f1, names) != signature(Incoming("POST", "/api/x", body=b"text=ho", headers=FORM), names)


def test_path_template_and_query_matchers() -> None:
    one = Incoming("GET", "/api/v1/users/00u1abcdEFGH2345ijk6", query="limit=2&after=x")
    two = Incoming("GET", "/api/v1/users/00u9zyxwVUTS8765abc1", query="after=x&limit=2")
    assert signature(one, ("path_template", "query")) == signature(two, ("path_template", "query"))
    assert signature(one, ("path",)) != signature(two, ("path",))


def test_multipart_ignores_the_boundary_of_nothing_but_the_same_parts() -> None:
    kind = (("content-type", "multipart/form-data; boundary=XyZ"),)
    body = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n'
    assert signature(Incoming("POST", "/f", body=body, headers=kind), ("body",))[0][0] == "multipart"


def test_a_miss_names_the_closest_and_what_failed() -> None:
    recorded = [
        (0, Incoming("GET", "/api/v1/users/00u1", query="limit=2")),
        (1, Incoming("POST", "/api/v1/groups", body=b"{}", headers=JSON)),
    ]
    want = Incoming("GET", "/api/v1/users/00u1", query="limit=3")
    names = matchers_for("okta")
    best = closest(want, recorded, names)
    assert best[0].seq == 0 and best[0].failed == ["query"]
    assert "closest: GET /api/v1/users/00u1?limit=2 (seq 0; failed: query)" in explain(want, best)
    status, body = miss_body("okta", want, best)
    assert status == 404 and json.loads(body)["errorCode"] == "E0000007"
    status, body = miss_body("jira", want, best)
    assert status == 404 and json.loads(body)["errorMessages"][0].startswith("no recorded exchange matches")


def test_unknown_matchers_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown matcher"):
        matchers_for("slack", ["method", "colour"])
