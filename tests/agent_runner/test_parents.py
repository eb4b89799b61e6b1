"""A fixed document under an item answered as the item's state decides (`agent_runner.parents`):
an app's SAML metadata lists single logout services exactly when the app has single logout on,
learnt from which recorded apps' metadata showed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from agent_runner.parents import deciding
from recorder.trace import Body, Exchange, Response
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

PATH = "/api/v1/apps"
SSO = '<md:SingleSignOnService Location="https://example.com/sso"/>'
SLO = '<md:SingleLogoutService Location="https://example.com/slo"/>'


def metadata(slo: bool) -> str:
    return f'<?xml version="1.0"?><md:EntityDescriptor>{SLO if slo else ""}{SSO}</md:EntityDescriptor>'


def app(n: int, sent: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"0oa{n}abcdEFGH{n}ijklm{n}", "status": "ACTIVE", **sent}


def session(n: int, slo: bool) -> list[Exchange]:
    sent = {"label": f"app-{n}", "settings": {"signOn": {"slo": {"enabled": slo}, "issuer": f"i{n % 2}"}}}
    body = app(n, sent)
    read = exchange(ORG, "GET", f"{PATH}/{body['id']}/sso/saml/metadata", 200, None)
    xml = Response(status=200, headers=[("Content-Type", "application/xml")], body=Body(text=metadata(slo)))
    return [
        exchange(ORG, "POST", PATH, 200, body, sent),
        exchange(ORG, "GET", f"{PATH}/{body['id']}", 200, body),
        read.model_copy(update={"response": xml}),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n, slo) for n, slo in enumerate([True, False, True, False], 1)}


def test_the_field_telling_the_shapes_apart_is_a_flag_and_needs_two_recordings_each() -> None:
    on, off = frozenset({"slo", "sso"}), frozenset({"sso"})
    rows = [
        ("a", on, {"slo": {"enabled": True}, "issuer": "x", "label": "a"}),
        ("b", on, {"slo": {"enabled": True}, "issuer": "x", "label": "b"}),
        ("c", off, {"slo": {"enabled": False}, "issuer": "y", "label": "c"}),
        ("d", off, {"slo": {"enabled": False}, "issuer": "y", "label": "d"}),
    ]
    assert deciding(rows) == "slo.enabled"  # `issuer` tells them apart too, but is no flag
    assert deciding(rows[:3]) is None  # one recording of a shape is no rule
    assert deciding([(r, on, i) for r, _, i in rows]) is None  # one shape: nothing to decide


async def test_the_twin_answers_the_document_recorded_for_the_items_state(tmp_path: Path) -> None:
    model = infer("okta", list(sessions().items()))
    learnt = next(op.by_parent for op in model.operations if op.by_parent)
    assert learnt["field"] == "settings.signOn.slo.enabled"
    app_ = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app_, "SSWS"):
            for slo in (True, False, True):
                sent = {"label": "mine", "settings": {"signOn": {"slo": {"enabled": slo}}}}
                made = (await client.post(PATH, json=sent)).json()
                text = (await client.get(f"{PATH}/{made['id']}/sso/saml/metadata")).text
                assert ("SingleLogoutService" in text) is slo
    finally:
        app_.state.twin.store.stop()
