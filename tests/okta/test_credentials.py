"""Credential operations (change/forgot password, recovery question) through the official SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from okta.models.change_password_request import ChangePasswordRequest
from okta.models.password_credential import PasswordCredential
from okta.models.recovery_question_credential import RecoveryQuestionCredential
from okta.models.user_credentials import UserCredentials
from pydantic import SecretStr

from tests.okta.org_support import org, row_of, user_in
from twins.okta.backend.credentials import meets_policy
from twins.okta.seed import DEFAULT_PASSWORD

NEW_PASSWORD = "Brand-New-Secret9"
ANSWER = "Annie Oakley"  # the seeded answer is "annie oakley": answers are case-insensitive


def change(old: str, new: str, **kw: Any) -> ChangePasswordRequest:
    return ChangePasswordRequest(
        oldPassword=PasswordCredential(value=SecretStr(old)),
        newPassword=PasswordCredential(value=SecretStr(new)),
        **kw,
    )


async def signs_in(client: httpx.AsyncClient, login: str, password: str) -> bool:
    resp = await client.post("/api/v1/authn", json={"username": login, "password": password})
    return resp.status_code == 200 and resp.json()["status"] == "SUCCESS"


async def test_change_password(okta_app: FastAPI, okta_client: Any, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    creds, _, err = await okta_client.change_password(user["id"], change(DEFAULT_PASSWORD, NEW_PASSWORD))
    assert err is None
    assert creds.provider.type.value == "OKTA"
    assert creds.recovery_question.question
    assert await signs_in(client, user["login"], NEW_PASSWORD)
    assert not await signs_in(client, user["login"], DEFAULT_PASSWORD)
    row = row_of(okta_app, user["id"])
    assert row["password_changed"] == row["last_updated"]
    events = org(okta_app)["log_events"].where("event_type", "user.account.update_password")
    assert any(t["id"] == user["id"] for e in events for t in e["data"]["target"])


async def test_change_password_wrong_old_password(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    _, _, err = await okta_client.change_password(user["id"], change("Not-The-One1", NEW_PASSWORD))
    assert err.error_code == "E0000014" and err.status == 403
    assert err.error_summary == "Update of credentials failed"
    assert err.error_causes[0]["errorSummary"] == "oldPassword: The credentials provided were incorrect."


@pytest.mark.parametrize(
    "weak", ["Sh0rt", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", DEFAULT_PASSWORD, "{local}X9a"]
)
async def test_change_password_policy(okta_app: FastAPI, okta_client: Any, weak: str) -> None:
    user = user_in(okta_app, "ACTIVE")
    weak = weak.format(local=user["login"].split("@")[0])
    _, _, err = await okta_client.change_password(user["id"], change(DEFAULT_PASSWORD, weak))
    assert err.error_code == "E0000080" and err.status == 403
    assert err.error_summary == (
        "The password does not meet the complexity requirements of the current password policy."
    )
    assert err.error_causes[0]["errorSummary"].startswith("Password requirements were not met.")


async def test_password_history(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    assert (await okta_client.change_password(user["id"], change(DEFAULT_PASSWORD, NEW_PASSWORD)))[2] is None
    _, _, err = await okta_client.change_password(user["id"], change(NEW_PASSWORD, DEFAULT_PASSWORD))
    assert err.error_code == "E0000080"


async def test_change_password_ends_recovery_and_expiry(okta_app: FastAPI, okta_client: Any) -> None:
    for status in ("PASSWORD_EXPIRED", "RECOVERY"):
        user = user_in(okta_app, status)
        _, _, err = await okta_client.change_password(user["id"], change(DEFAULT_PASSWORD, NEW_PASSWORD))
        assert err is None
        assert row_of(okta_app, user["id"])["status"] == "ACTIVE"


@pytest.mark.parametrize("status", ["SUSPENDED", "LOCKED_OUT", "DEPROVISIONED"])
async def test_change_password_status_refused(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    _, _, err = await okta_client.change_password(user["id"], change(DEFAULT_PASSWORD, NEW_PASSWORD))
    assert err.error_code == "E0000038" and err.status == 403


async def test_change_password_revokes_sessions(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    authn = await client.post("/api/v1/authn", json={"username": user["login"], "password": DEFAULT_PASSWORD})
    session = await client.post("/api/v1/sessions", json={"sessionToken": authn.json()["sessionToken"]})
    body = {"oldPassword": {"value": DEFAULT_PASSWORD}, "newPassword": {"value": NEW_PASSWORD}}
    resp = await client.post(
        f"/api/v1/users/{user['id']}/credentials/change_password", json={**body, "revokeSessions": True}
    )
    assert resp.status_code == 200
    assert (await client.get(f"/api/v1/sessions/{session.json()['id']}")).status_code == 404


async def test_change_password_bad_bodies(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    url = f"/api/v1/users/{user['id']}/credentials/change_password"
    empty = await client.post(url, headers={"Content-Type": "application/octet-stream"})
    assert empty.status_code == 400 and empty.json()["errorCode"] == "E0000003"
    missing = await client.post(url, json={"oldPassword": {"value": DEFAULT_PASSWORD}})
    assert missing.status_code == 400 and missing.json()["errorCode"] == "E0000001"
    assert row_of(okta_app, user["id"])["credentials"] == user["credentials"]


async def test_forgot_password_link(okta_app: FastAPI, okta_client: Any, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    link, _, err = await okta_client.forgot_password(user["id"], send_email=False)
    assert err is None and "/signin/reset-password/" in link.reset_password_url
    assert row_of(okta_app, user["id"])["status"] == "ACTIVE"
    emailed = await client.post(f"/api/v1/users/{user['id']}/credentials/forgot_password")
    assert emailed.status_code == 200 and emailed.json() == {}
    locked = user_in(okta_app, "SUSPENDED")
    _, _, err = await okta_client.forgot_password(locked["id"], send_email=False)
    assert err.error_code == "E0000034" and err.status == 403


async def test_forgot_password_with_recovery_answer(
    okta_app: FastAPI, okta_client: Any, client: httpx.AsyncClient
) -> None:
    user = user_in(okta_app, "ACTIVE")
    body = UserCredentials(
        password=PasswordCredential(value=SecretStr(NEW_PASSWORD)),
        recovery_question=RecoveryQuestionCredential(answer=ANSWER),
    )
    creds, _, err = await okta_client.forgot_password_set_new_password(user["id"], body)
    assert err is None and creds.recovery_question.question
    assert await signs_in(client, user["login"], NEW_PASSWORD)


async def test_forgot_password_wrong_answer(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    body = UserCredentials(
        password=PasswordCredential(value=SecretStr(NEW_PASSWORD)),
        recovery_question=RecoveryQuestionCredential(answer="Calamity Jane"),
    )
    _, _, err = await okta_client.forgot_password_set_new_password(user["id"], body)
    assert err.error_code == "E0000087"


async def test_forgot_password_body_on_the_classic_path(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    resp = await client.post(
        f"/api/v1/users/{user['id']}/credentials/forgot_password",
        json={"password": {"value": NEW_PASSWORD}, "recovery_question": {"answer": ANSWER}},
    )
    assert resp.status_code == 200 and resp.json()["password"] == {}
    assert await signs_in(client, user["login"], NEW_PASSWORD)


async def test_change_recovery_question(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    question = "How many roads must a man walk down?"
    body = UserCredentials(
        password=PasswordCredential(value=SecretStr(DEFAULT_PASSWORD)),
        recovery_question=RecoveryQuestionCredential(question=question, answer="forty two"),
    )
    creds, _, err = await okta_client.change_recovery_question(user["id"], body)
    assert err is None and creds.recovery_question.question == question
    stored = row_of(okta_app, user["id"])["credentials"]["recovery_question"]
    assert stored["answer"] == "forty two"

    wrong = UserCredentials(
        password=PasswordCredential(value=SecretStr("Wrong-Passw0rd")),
        recovery_question=RecoveryQuestionCredential(question=question, answer="forty two"),
    )
    _, _, err = await okta_client.change_recovery_question(user["id"], wrong)
    assert err.error_code == "E0000014" and err.status == 403

    short = UserCredentials(
        password=PasswordCredential(value=SecretStr(DEFAULT_PASSWORD)),
        recovery_question=RecoveryQuestionCredential(question=question, answer="42"),
    )
    _, _, err = await okta_client.change_recovery_question(user["id"], short)
    assert err.error_code == "E0000001" and err.status == 400


def test_policy_rules() -> None:
    assert meets_policy("Abcdefg1", "jo@x.example")
    assert not meets_policy("Abcdef1", "jo@x.example")
    assert not meets_policy("xx-Dade.Murphy-9", "dade.murphy@example.com")
    assert not meets_policy("Murphy-Law-99", "dade.murphy@example.com")
