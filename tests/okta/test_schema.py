"""The user schema (base and custom attributes) and user types, through the SDK and on the wire."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from okta import models as m

from tests.okta.org_support import org as tenant

SCHEMA_PATH = "/api/v1/meta/schemas/user/default"


def custom(**properties: Any) -> dict[str, Any]:
    return {"definitions": {"custom": {"id": "#custom", "type": "object", "properties": properties}}}


def person(login: str, **extra: Any) -> dict[str, Any]:
    return {"profile": {"firstName": "Ada", "lastName": "Lovelace", "email": login, "login": login, **extra}}


async def test_default_schema_document(okta_client: Any, okta_app: FastAPI, org_url: str) -> None:
    schema, resp, err = await okta_client.get_user_schema("default")
    assert err is None and resp.status_code == 200
    assert schema.id == f"{org_url}/meta/schemas/user/default"
    assert schema.name == "user" and schema.title == "User"
    base = schema.definitions.base
    assert base.required == ["login", "firstName", "lastName", "email"]
    assert base.properties.login.min_length == 5 and base.properties.login.max_length == 100
    assert base.properties.email.format.value == "email"
    assert schema.definitions.custom.properties == {}
    meta = tenant(okta_app).meta
    by_id, _, err = await okta_client.get_user_schema(meta["schema_id"])
    assert err is None and by_id.id == schema.id
    _, resp, err = await okta_client.get_user_schema("oscnope0000000000000")
    assert resp.status == 404 and err.error_code == "E0000007"


async def test_schema_wire_shape(client: httpx.AsyncClient) -> None:
    doc = (await client.get(SCHEMA_PATH)).json()
    assert doc["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert doc["properties"] == {
        "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
    }
    assert list(doc["definitions"]["base"]["properties"])[:4] == [
        "login",
        "firstName",
        "lastName",
        "middleName",
    ]
    login = doc["definitions"]["base"]["properties"]["login"]
    assert login["permissions"] == [{"principal": "SELF", "action": "READ_ONLY"}]
    assert login["master"] == {"type": "PROFILE_MASTER"}
    assert doc["definitions"]["custom"] == {
        "id": "#custom",
        "type": "object",
        "properties": {},
        "required": [],
    }
    assert doc["_links"]["self"]["href"].startswith("http://testserver/api/v1/meta/schemas/user/osc")


async def test_add_update_remove_custom_attributes_sdk(okta_client: Any) -> None:
    body = m.UserSchema.from_dict(
        custom(
            costCenterCode={"title": "Cost center code", "type": "string", "minLength": 2, "maxLength": 6},
            shirt={
                "title": "Shirt size",
                "type": "string",
                "enum": ["S", "M", "L"],
                "oneOf": [
                    {"const": "S", "title": "Small"},
                    {"const": "M", "title": "M"},
                    {"const": "L", "title": "L"},
                ],
            },
            level={"title": "Level", "type": "integer", "required": True, "default": 1},
            tags={"title": "Tags", "type": "array"},  # the SDK's model cannot carry `items`
        )
    )
    schema, _, err = await okta_client.update_user_profile("default", body)
    assert err is None
    props = schema.definitions.custom.properties
    assert set(props) == {"costCenterCode", "shirt", "level", "tags"}
    assert props["costCenterCode"].mutability.value == "READ_WRITE"
    assert props["costCenterCode"].scope.value == "NONE"
    assert props["level"].required is True
    assert props["tags"].type.value == "array"
    assert schema.definitions.custom.required == ["level"]
    again, _, _ = await okta_client.get_user_schema("default")
    assert set(again.definitions.custom.properties) == set(props)
    # Partial update of one attribute keeps the others.
    update = m.UserSchema.from_dict(custom(costCenterCode={"title": "Cost centre", "maxLength": 8}))
    schema, _, err = await okta_client.update_user_profile("default", update)
    assert err is None
    assert schema.definitions.custom.properties["costCenterCode"].title == "Cost centre"
    assert schema.definitions.custom.properties["costCenterCode"].max_length == 8
    assert "shirt" in schema.definitions.custom.properties


async def test_profiles_validated_against_custom_attributes(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        SCHEMA_PATH,
        json=custom(
            shirt={"title": "Shirt", "type": "string", "enum": ["S", "M"]},
            code={"title": "Code", "type": "string", "minLength": 2, "maxLength": 4},
            score={"title": "Score", "type": "number"},
            admin={"title": "Admin", "type": "boolean"},
            level={"title": "Level", "type": "integer", "default": 1},
            skills={"title": "Skills", "type": "array", "items": {"type": "string", "enum": ["py", "go"]}},
        ),
    )
    assert resp.status_code == 200
    ok = await client.post(
        "/api/v1/users",
        json=person("ok@example.com", shirt="M", code="AB", score=1.5, admin=True, skills=["go"]),
    )
    assert ok.status_code == 200
    assert ok.json()["profile"]["level"] == 1  # the attribute's default
    assert ok.json()["profile"]["skills"] == ["go"]
    for extra, cause in (
        ({"shirt": "XL"}, "shirt: Does not match allowed values"),
        ({"code": "A"}, "code: The field must be at least 2 characters"),
        ({"code": "ABCDE"}, "code: The field cannot exceed 4 characters"),
        ({"score": "high"}, "score: The value must be of type number"),
        ({"admin": "yes"}, "admin: The value must be of type boolean"),
        ({"level": 1.5}, "level: The value must be of type integer"),
        ({"skills": ["rust"]}, "skills: Does not match allowed values"),
        ({"skills": "py"}, "skills: The value must be an array"),
    ):
        bad = await client.post("/api/v1/users", json=person("bad@example.com", **extra))
        assert bad.status_code == 400, extra
        assert bad.json()["errorCode"] == "E0000001"
        assert bad.json()["errorCauses"] == [{"errorSummary": cause}]
    # Search reaches custom attributes, arrays match by element.
    found = await client.get(
        "/api/v1/users", params={"search": 'profile.skills eq "GO" and profile.score gt 1'}
    )
    assert [u["profile"]["login"] for u in found.json()] == ["ok@example.com"]


async def test_required_custom_attribute(client: httpx.AsyncClient) -> None:
    await client.post(SCHEMA_PATH, json=custom(badge={"title": "Badge", "type": "string", "required": True}))
    missing = await client.post("/api/v1/users", json=person("m@example.com"))
    assert missing.status_code == 400
    assert missing.json()["errorCauses"] == [{"errorSummary": "badge: The field cannot be left blank"}]
    present = await client.post("/api/v1/users", json=person("p@example.com", badge="B-1"))
    assert present.status_code == 200


async def test_unique_custom_attribute(client: httpx.AsyncClient) -> None:
    await client.post(
        SCHEMA_PATH, json=custom(employeeId={"title": "Employee", "type": "string", "unique": True})
    )
    assert (
        await client.post("/api/v1/users", json=person("e1@example.com", employeeId="E1"))
    ).status_code == 200
    dup = await client.post("/api/v1/users", json=person("e2@example.com", employeeId="E1"))
    assert dup.status_code == 400
    assert dup.json()["errorCauses"] == [
        {"errorSummary": "employeeId: An object with this field already exists in the current organization"}
    ]


async def test_removing_an_attribute_removes_values(client: httpx.AsyncClient, okta_client: Any) -> None:
    await client.post(SCHEMA_PATH, json=custom(favourite={"title": "Favourite", "type": "string"}))
    user = (await client.post("/api/v1/users", json=person("f@example.com", favourite="tea"))).json()
    assert user["profile"]["favourite"] == "tea"
    sdk_user, _, _ = await okta_client.get_user(user["id"])
    assert sdk_user.profile.additional_properties == {"favourite": "tea"}
    resp = await client.post(SCHEMA_PATH, json=custom(favourite=None))
    assert resp.status_code == 200
    assert resp.json()["definitions"]["custom"]["properties"] == {}
    again = (await client.get(f"/api/v1/users/{user['id']}")).json()
    assert "favourite" not in again["profile"]
    unknown = await client.post(f"/api/v1/users/{user['id']}", json={"profile": {"favourite": "coffee"}})
    assert unknown.status_code == 400
    assert unknown.json()["errorCauses"] == [
        {"errorSummary": "Property name 'favourite' is not defined in profile"}
    ]


async def test_invalid_definitions(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    before = dict(tenant(okta_app).meta)
    for props in (
        {"bad name": {"title": "X", "type": "string"}},
        {"firstName": {"title": "X", "type": "string"}},
        {"noTitle": {"type": "string"}},
        {"badType": {"title": "X", "type": "date"}},
        {"badEnum": {"title": "X", "type": "integer", "enum": ["a"]}},
        {
            "badOneOf": {
                "title": "X",
                "type": "string",
                "enum": ["a", "b"],
                "oneOf": [{"const": "b", "title": "B"}],
            }
        },
        {"arrayBadItems": {"title": "X", "type": "array", "items": {"type": "object"}}},
        {"lengths": {"title": "X", "type": "string", "minLength": 5, "maxLength": 2}},
        {"numLength": {"title": "X", "type": "number", "maxLength": 2}},
        {"perm": {"title": "X", "type": "string", "permissions": [{"principal": "SELF", "action": "ALL"}]}},
        {"notObject": "string"},
    ):
        resp = await client.post(SCHEMA_PATH, json=custom(**props))
        assert resp.status_code == 400, props
        assert resp.json()["errorCode"] == "E0000001"
        assert resp.json()["errorCauses"]
    # A bad attribute next to a good one changes nothing.
    mixed = custom(good={"title": "Good", "type": "string"}, bad={"title": "Bad", "type": "nope"})
    assert (await client.post(SCHEMA_PATH, json=mixed)).status_code == 400
    assert tenant(okta_app).meta == before
    assert (await client.post(SCHEMA_PATH, content=b"[]")).json()["errorCode"] == "E0000003"


async def test_base_properties_allow_limited_changes(client: httpx.AsyncClient) -> None:
    def base(**properties: Any) -> dict[str, Any]:
        return {"definitions": {"base": {"id": "#base", "type": "object", "properties": properties}}}

    changed = await client.post(
        SCHEMA_PATH,
        json=base(
            firstName={"required": False, "permissions": [{"principal": "SELF", "action": "READ_ONLY"}]}
        ),
    )
    assert changed.status_code == 200
    first = changed.json()["definitions"]["base"]["properties"]["firstName"]
    assert "required" not in first and first["permissions"][0]["action"] == "READ_ONLY"
    assert changed.json()["definitions"]["base"]["required"] == ["login", "lastName", "email"]
    body = {"profile": {"lastName": "Only", "email": "o@example.com", "login": "o@example.com"}}
    assert (await client.post("/api/v1/users", json=body)).status_code == 200
    for bad in (
        base(email={"type": "integer"}),
        base(login={"required": False}),
        base(nosuch={"title": "X"}),
        base(city=None),
    ):
        resp = await client.post(SCHEMA_PATH, json=bad)
        assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000001"


async def test_login_pattern_allows_short_names(client: httpx.AsyncClient) -> None:
    pattern = {"definitions": {"base": {"properties": {"login": {"pattern": "[a-z.]+(@example\\.com)?"}}}}}
    assert (await client.post(SCHEMA_PATH, json=pattern)).status_code == 200
    short = await client.post(
        "/api/v1/users",
        json={
            "profile": {"firstName": "S", "lastName": "N", "email": "sn@example.com", "login": "shortname"}
        },
    )
    assert short.status_code == 200
    bad = await client.post(
        "/api/v1/users",
        json={"profile": {"firstName": "S", "lastName": "N", "email": "sn@example.com", "login": "UPPER_1"}},
    )
    assert bad.json()["errorCauses"] == [{"errorSummary": "login: Does not match required pattern"}]


async def test_user_types(okta_client: Any, okta_app: FastAPI) -> None:
    meta = tenant(okta_app).meta
    types, _, err = await okta_client.list_user_types()
    assert err is None and [t.id for t in types] == [meta["user_type_id"]]
    assert types[0].default is True and types[0].name == "user"
    one, _, err = await okta_client.get_user_type(meta["user_type_id"])
    assert err is None and one.display_name == "User"
    assert one.links.var_schema.href.endswith(meta["schema_id"])
    _, resp, err = await okta_client.get_user_type("otynope0000000000000")
    assert resp.status == 404 and err.error_code == "E0000007"


async def test_schema_writes_need_the_schema_scope(okta_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=okta_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        resp = await raw.post(SCHEMA_PATH, json=custom(x={"title": "X", "type": "string"}))
        assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000005"
