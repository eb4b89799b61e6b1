"""The generic parity profile: ids by shape, cursors, credential classes, the recording's scheme."""

from __future__ import annotations

import base64
from typing import cast

from recorder.parity import Credential, generic, profile_for
from recorder.parity.replay import Replay, pair_values
from recorder.parity.session import Session
from recorder.parity.values import Comparison, compare, replace_id
from recorder.trace import Body, Exchange, Request, Response


def exchange(url: str, status: int = 200, *, auth: str | None = "Bearer x", challenge: str = "") -> Exchange:
    headers = [("Authorization", auth)] if auth else []
    answer = [("WWW-Authenticate", challenge)] if challenge else []
    return Exchange(
        request=Request(method="GET", url=url, headers=headers),
        response=Response(status=status, headers=answer, body=Body(text="{}")),
    )


def test_ids_are_told_by_their_shape() -> None:
    kinds = {
        "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b": "uuid",
        "5a1b2c3d4e5f60718293a4b5": "hex",
        "PROJ-12": "key",
        "C012AB3CD": "slack:C",
        "00u1abcdEFGH2345ijk6": "okta:00u",
        "10042": "number",
        "MDU6SXNzdWUxMjM0NTY3ODk": "opaque",
    }
    assert {value: generic.id_kind(value) for value in kinds} == kinds
    assert not generic.is_id("open") and not generic.is_id("Bug report")


def test_endpoints_template_id_segments() -> None:
    found = generic.endpoint(
        exchange("https://x.test/api/widgets/10042/parts/3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
    )
    assert found == "GET /api/widgets/{id}/parts/{id}"


def test_credential_classes_come_from_the_header_and_status() -> None:
    assert generic.credential_class(exchange("https://x.test/a", 401, auth=None)) is Credential.NONE
    filtered = exchange("https://x.test/a", 200, auth=None)  # a recorder left the header out
    assert generic.credential_class(filtered) is Credential.VALID
    assert generic.credential_class(exchange("https://x.test/a", 401)) is Credential.INVALID
    assert generic.credential_class(exchange("https://x.test/a", 403)) is Credential.VALID
    scoped = exchange("https://x.test/a", 403, challenge='Bearer error="insufficient_scope"')
    assert generic.credential_class(scoped) is Credential.UNDER_SCOPED


def test_cursors_from_a_link_header_and_body_fields_keep_their_slots() -> None:
    link = '<https://x.test/items?page=2&per_page=30>; rel="next", <https://x.test/items?page=9>; rel="last"'
    assert generic.cursors([("Link", link)], [])[0] == "2"
    found = generic.cursors([], {"nextPageToken": "tok-2", "response_metadata": {"next_cursor": "c2"}})
    assert found[0] == "" and "tok-2" in found and "c2" in found
    assert len(found) == len(generic.cursors([], None))


def test_the_recordings_scheme_is_used_for_the_twins_token() -> None:
    basic = generic.authorization("Basic", "ann@example.test", "tok")
    assert base64.b64decode(basic.split()[1]) == b"ann@example.test:tok"
    assert generic.authorization("token", "", "tok") == "token tok"
    recorded = [exchange("https://x.test/a", auth=None), exchange("https://x.test/b", auth="token <AUTH>")]
    assert generic.recorded_scheme(recorded) == "token"
    assert generic.recorded_scheme([exchange("https://x.test/a", auth=None)]) == "Bearer"


def test_numeric_ids_pair_and_replace_only_where_they_stand_alone() -> None:
    found: dict[str, str] = {}
    pair_values({"id": 987654, "count": 3}, {"id": 1, "count": 4}, found, generic.PROFILE)
    assert found == {"987654": "1"}
    assert replace_id("/items/12?per_page=120", "12", "7") == "/items/7?per_page=120"
    cmp = Comparison(generic.is_id, {"987654": "1"})
    compare({"id": 987654, "issue_id": 55}, {"id": 2, "issue_id": 56}, cmp)
    assert [(d.path, d.what) for d in cmp.found] == [("id", "value")]


def test_services_without_a_profile_get_the_generic_one() -> None:
    assert profile_for("okta").name == "okta"
    assert profile_for("acme") is generic.PROFILE
    assert profile_for("values") is generic.PROFILE
    assert profile_for("../x") is generic.PROFILE


def test_a_short_id_is_replaced_only_where_the_endpoint_has_a_parameter() -> None:
    recorded = exchange("http://jira:8080/rest/api/2/issue/2?maxResults=2&issueId=2&jql=id+%3D+2")
    replay = Replay(cast(Session, None), generic.PROFILE, [recorded], ids={"2": "7"})
    rewritten = "http://jira:8080/rest/api/2/issue/7?maxResults=2&issueId=7&jql=id+%3D+2"
    assert replay._rewrite_url(recorded.request.url, recorded) == rewritten
    handed_out = "https://files.example.test/upload/v1/2"
    replay.ids[handed_out] = "http://testserver/upload/v1/9"
    upload = exchange(handed_out)
    assert replay._rewrite_url(handed_out, upload) == "http://testserver/upload/v1/9"
