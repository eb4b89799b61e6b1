"""The parity engine's comparison, declared differences, endpoints and credential classes."""

from __future__ import annotations

from typing import Any

from recorder.parity import GENERIC, Credential, Difference, okta, slack
from recorder.parity.profile import body_cursors, next_link_cursors
from recorder.parity.report import Outcome, Recording, Report, is_declared
from recorder.parity.values import Comparison, compare
from recorder.trace import Body, Exchange, Request, Response

GROUP = "00g1abcdEFGH2345ijk6"
TWIN_GROUP = "00g9zyxwVUTS8765rqp4"


def found(
    recorded: Any, twin: Any, *, ids: dict[str, str] | None = None, sent: frozenset[str] = frozenset()
) -> list[str]:
    cmp = Comparison(okta.is_id, ids or {}, set(sent))
    compare(recorded, twin, cmp)
    return [d.explain() for d in cmp.found]


def exchange(
    url: str, status: int = 200, body: str = "", *, auth: str | None = "SSWS REDACTED", method: str = "GET"
) -> Exchange:
    headers = [("Authorization", auth)] if auth else []
    return Exchange(
        request=Request(method=method, url=url, headers=headers),
        response=Response(status=status, body=Body(text=body)),
    )


def test_a_different_enum_value_is_a_mismatch() -> None:
    recorded = {"id": GROUP, "type": "OKTA_GROUP", "status": "ACTIVE"}
    twin = {"id": TWIN_GROUP, "type": "OKTA_GROUP", "status": "STAGED"}
    assert found(recorded, twin) == ["`status`: 'ACTIVE' recorded, 'STAGED' from the twin"]


def test_lower_case_enums_booleans_and_counts_are_compared() -> None:
    recorded = {"grant_types": ["client_credentials"], "is_archived": False, "num_members": 3}
    twin = {"grant_types": ["authorization_code"], "is_archived": True, "num_members": 4}
    assert len(found(recorded, twin)) == 3


def test_an_empty_list_or_object_recorded_is_not_matched_by_a_full_one() -> None:
    assert found([], [{"id": TWIN_GROUP}]) == ["the body: 0 items recorded, 1 from the twin"]
    assert found({"shares": {}}, {"shares": {"public": {}}}) == [
        "`shares`: an empty object recorded, 1 keys from the twin"
    ]


def test_volatile_values_differ_freely_and_ids_follow_the_map() -> None:
    recorded = {
        "id": GROUP,
        "created": "2025-03-01T10:00:00.000Z",
        "_links": {"self": {"href": f"https://x.okta.com/api/v1/groups/{GROUP}"}},
        "credentials": {"client_secret": "a1B2c3D4e5F6g7H8i9J0k1L2m3N4"},
    }
    twin = {
        "id": TWIN_GROUP,
        "created": "2026-12-07T05:00:00.000Z",
        "_links": {"self": {"href": f"http://testserver/api/v1/groups/{TWIN_GROUP}"}},
        "credentials": {"client_secret": "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6"},
    }
    assert found(recorded, twin) == []
    assert found({"groupId": GROUP}, {"groupId": TWIN_GROUP}, ids={GROUP: TWIN_GROUP}) == []
    assert found({"groupId": GROUP, "description": None}, {"groupId": None, "description": ""}) == [
        f"`groupId`: {GROUP!r} recorded, None from the twin",
        "`description`: None recorded, '' from the twin",
    ]


def test_a_string_the_request_set_must_come_back_as_set() -> None:
    assert found({"profile": {"name": "Engineering"}}, {"profile": {"name": "Sales"}}) == []
    assert found(
        {"profile": {"name": "Engineering"}}, {"profile": {"name": "Sales"}}, sent=frozenset({"Engineering"})
    ) == ["`profile.name`: 'Engineering' recorded, 'Sales' from the twin"]


def test_list_items_of_unknown_identity_are_compared_by_structure_only() -> None:
    recorded = [{"id": GROUP, "type": "BUILT_IN", "profile": {"name": "Everyone"}}]
    twin = [{"id": TWIN_GROUP, "type": "OKTA_GROUP", "profile": {"name": "Everyone"}}]
    assert found(recorded, twin) == []
    assert found(recorded, twin, ids={GROUP: TWIN_GROUP}) == [
        "`[].type`: 'BUILT_IN' recorded, 'OKTA_GROUP' from the twin"
    ]
    assert found([{"id": GROUP, "extra": 1}], twin) == ["`[].extra` missing from the twin's answer"]


def test_a_star_difference_covers_the_same_key_inside_list_items() -> None:
    declared = {("*", "_links.accessPolicy"): "no Identity Engine policies"}
    for path in ("_links.accessPolicy", "[]._links.accessPolicy.href", "apps[]._links.accessPolicy"):
        assert is_declared(Difference(path, "missing"), "GET /api/v1/apps", declared), path
    assert not is_declared(Difference("[]._links.users", "missing"), "GET /api/v1/apps", declared)
    only_here = {("GET /api/v1/apps/{id}", "_links.accessPolicy"): "as above"}
    assert not is_declared(Difference("[]._links.accessPolicy", "missing"), "GET /api/v1/apps", only_here)


def test_okta_endpoints_template_ids_but_not_twenty_letter_words() -> None:
    url = "https://x.okta.com/api/v1/authorizationServers/aus1abcdEFGH2345ijk6/scopes/scp2abcdEFGH2345ijk6"
    assert okta.endpoint(exchange(url)) == "GET /api/v1/authorizationServers/{id}/scopes/{id}"
    assert okta.endpoint(exchange("https://x.okta.com/api/v1/authorizationServers")) == (
        "GET /api/v1/authorizationServers"
    )
    assert not okta.is_id("authorizationServers")
    assert okta.is_id(GROUP)


def test_credential_classes_come_from_the_recording() -> None:
    invalid = '{"errorCode":"E0000011","errorSummary":"Invalid token provided"}'
    assert okta.credential_class(exchange("https://x/api/v1/users", 401, invalid)) is Credential.INVALID
    assert okta.credential_class(exchange("https://x/.well-known/openid", auth=None)) is Credential.NONE
    assert okta.credential_class(exchange("https://x/api/v1/users", 200, "[]")) is Credential.VALID
    feature = '{"errorCode":"E0000015","errorSummary":"You do not have permission"}'
    assert okta.credential_class(exchange("https://x/api/v1/authorizationServers", 401, feature)) is (
        Credential.VALID
    )
    api = "https://slack.com/api/users.list"
    bearer = "Bearer <SLACK_API_TOKEN>"
    for error, expected in (
        ("invalid_auth", Credential.INVALID),
        ("not_authed", Credential.NONE),
        ("missing_scope", Credential.UNDER_SCOPED),
    ):
        recorded = exchange(api, 200, f'{{"ok":false,"error":"{error}"}}', auth=bearer, method="POST")
        assert slack.credential_class(recorded) is expected


def test_the_report_prints_coverage_beside_the_headline() -> None:
    served = Recording(
        "a", 2, outcomes=[Outcome("a", 0, "GET /x", (200, 200)), Outcome("a", 1, "GET /x", (200, 404))]
    )
    served.outcomes[1].undeclared.append(Difference("", "status", 200, 404))
    report = Report("okta", [served, Recording("b", 6, unserved=["GET /api/v1/brands"])])
    assert "1/2 replayed exchanges match exactly (50.0%)" in report.headline()
    assert report.coverage().startswith(
        "okta coverage: 1/2 recordings served, 2/8 exchanges served (25.0%); "
        "of ALL recorded exchanges 1 (12.5%)"
    )
    assert '"exchanges_served": 2' in report.to_json()
    markdown = report.to_markdown()
    assert "status 200 recorded, 404 from the twin" in markdown
    assert "`GET /api/v1/brands` (1 recordings)" in markdown


def test_cursors_come_from_link_headers_or_the_body() -> None:
    link = (
        '<https://x/api/v1/users?limit=2>; rel="self", '
        '<https://x/api/v1/users?after=00u1abc&limit=2>; rel="next"'
    )
    assert next_link_cursors([("Link", link)], None) == ["00u1abc"]
    assert next_link_cursors([("link", '<https://x/api/v1/users>; rel="self"')], None) == []
    find = body_cursors("response_metadata.next_cursor")
    assert find([], {"ok": True, "response_metadata": {"next_cursor": "dXNlcjpVMEc5"}}) == ["dXNlcjpVMEc5"]
    assert find([], {"ok": True}) == [""]


def test_the_generic_profile_reads_credential_classes_from_the_status() -> None:
    assert (
        GENERIC.credential_class(exchange("https://jira/rest/api/2/myself", 401, "{}")) is Credential.INVALID
    )
    assert (
        GENERIC.credential_class(exchange("https://jira/rest/api/2/myself", 401, "{}", auth=None))
        is Credential.NONE
    )
    assert GENERIC.endpoint(exchange("https://jira/rest/api/2/issue/ABC-12")) == "GET /rest/api/2/issue/{id}"


def test_a_key_made_of_a_value_the_twin_made_up_is_looked_for_with_the_twins_value() -> None:
    recorded = {"name": "acme_myapp_15", "visibility": {"appLinks": {"acme_myapp_15_link": True}}}
    twin = {"name": "acme_other_3", "visibility": {"appLinks": {"acme_other_3_link": True}}}
    assert found(recorded, twin) == []
    long_name = "oie-00_testacc1486854864_15"  # as long and mixed as a secret: still made up
    assert (
        found(
            {"name": long_name, "links": {f"{long_name}_link": True}},
            {"name": "oie-00_testacc27_7", "links": {"oie-00_testacc27_7_link": True}},
        )
        == []
    )
    # the key still has to be there, made of the twin's value, with the same value under it
    stale = {"name": "acme_other_3", "visibility": {"appLinks": {"login": True}}}
    assert found(recorded, stale) == [
        "`visibility.appLinks.acme_myapp_15_link` missing from the twin's answer"
    ]
    wrong = {"name": "acme_other_3", "visibility": {"appLinks": {"acme_other_3_link": False}}}
    assert len(found(recorded, wrong)) == 1
    # a value the request set is no made-up value: its key is looked for as recorded
    assert found(recorded, twin, sent=frozenset({"acme_myapp_15"})) == [
        "`name`: 'acme_myapp_15' recorded, 'acme_other_3' from the twin",
        "`visibility.appLinks.acme_myapp_15_link` missing from the twin's answer",
    ]


METADATA = (
    '<md:EntityDescriptor entityID="http://www.okta.com/{entity}"><ds:X509Certificate>{cert}'
    '</ds:X509Certificate><md:SingleSignOnService Location="https://{host}/app/{app}/sso/saml"/>'
    "<md:NameIDFormat>{format}</md:NameIDFormat></md:EntityDescriptor>"
)
CERT = "MIIDujCCAqKgAwIBAgIGAZWR6kH0MA0GCSqGSIb3DQEB\nCwUAMIGhMQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2Fs"
TWIN_CERT = "MIIDwjCCAqqgAwIBAgIGAZ6siKRSMA0GCSqGSIb3DQEB\nCwUAMIGhMQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2Zz"


def metadata(entity: str, cert: str, host: str, fmt: str = "emailAddress") -> str:
    return METADATA.format(entity=entity, cert=cert, host=host, app="acme_app_3", format=fmt)


def test_a_text_body_is_compared_token_by_token_as_json_strings_are() -> None:
    from recorder.parity.text import same_text

    recorded = metadata("exkkwraz4e5opgu6j1d7", CERT, "acme.okta.com")
    twin = metadata("exkzt2xmnzGwIHMQe1d7", TWIN_CERT, "testserver")
    assert same_text(recorded, twin, Comparison(okta.is_id))  # ids, certificate, URLs by kind
    assert not same_text(
        recorded, metadata("exkzt2xmnzGwIHMQe1d7", TWIN_CERT, "x", "unspecified"), Comparison(okta.is_id)
    )
    assert not same_text(
        recorded, twin.replace("</md:NameIDFormat>", "</md:NameIDFormat><md:Extra/>"), Comparison(okta.is_id)
    )
    # an id standing alone that the replay has paired must be the twin's one; one it has not, any id
    paired = Comparison(okta.is_id, {"exkkwraz4e5opgu6j1d7": "exk1111111111111d7ab"})
    assert not same_text("app exkkwraz4e5opgu6j1d7 made", "app exkzt2xmnzGwIHMQe1d7 made", paired)
    assert same_text("app exkkwraz4e5opgu6j1d7 made", "app exk1111111111111d7ab made", paired)
    assert same_text("app exkkwraz4e5opgu6j1d7 made", "app exkzt2xmnzGwIHMQe1d7 made", Comparison(okta.is_id))
    assert not same_text("app exkkwraz4e5opgu6j1d7 made", "app acme made", Comparison(okta.is_id))
