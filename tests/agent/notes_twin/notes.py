"""Notes: create, read, list, update and delete, with GitHub's error body and token auth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twins._runtime.collection import Row
from twins._runtime.errors import TwinError
from twins.kit import OKTA, Call, Caller, Credential, ErrorStyle, Registry
from twins.kit.auth import split_auth, token_row

STYLE = ErrorStyle(
    name="notes",
    body=lambda e: {"message": e.message or e.code, "documentation_url": "https://docs.notes.test"},
    statuses={"bad_credentials": 401, "not_found": 404, "invalid": 422},
    http_codes={404: "not_found", 405: "not_found", 422: "invalid", 500: "server_error"},
    invalid_code="invalid",
    bad_body_code="invalid",
    rate_limit_code="rate_limited",
    rate_limit_headers=OKTA.rate_limit_headers,
)


@dataclass(frozen=True)
class TokenAuth:
    """`Authorization: token …` or `Bearer …`; 401 `Bad credentials` otherwise."""

    name: str = "token"
    scoped: bool = False
    vocabulary: frozenset[str] | None = None

    def authenticate(self, cred: Credential) -> Caller:
        scheme, token = split_auth(cred.headers)
        found = (
            token_row(cred.store, "notes_tokens", "token", token) if scheme in ("token", "bearer") else None
        )
        if found is None:
            raise TwinError("Bad credentials", code="bad_credentials", status=401)
        state, row = found
        return Caller(state.id, str(row["login"]), "token", None, row)

    def check(self, caller: Caller, scope: Any) -> None:
        return None


api = Registry(auth=TokenAuth(), tags=("notes",))


def render(call: Call, row: Row) -> dict[str, Any]:
    url = f"{call.base_url}/notes/{row['number']}"
    return {
        "id": row["id"],
        "number": row["number"],
        "title": row["title"],
        "state": row["state"],
        "url": url,
    }


def find(call: Call) -> Row:
    number = call.path["number"]
    rows = [r for r in call.state["notes_notes"] if str(r["number"]) == number]
    if not rows:
        raise STYLE.error("not_found", "Not Found")
    return rows[0]


@api.operation("GET", "/notes")
def list_notes(call: Call) -> list[dict[str, Any]]:
    """Notes by number; `?state=open|closed` filters."""
    rows = sorted(call.state["notes_notes"], key=lambda r: r["number"])
    if "state" in call.args:
        rows = [r for r in rows if r["state"] == call.args.text("state")]
    return [render(call, r) for r in rows]


@api.operation("POST", "/notes", write=True, status=200)
def create_note(call: Call) -> dict[str, Any]:
    """A new open note; its number is the next one."""
    title = call.require_body().text("title", required=True)
    number = 1 + max((r["number"] for r in call.state["notes_notes"]), default=0)
    row = call.state["notes_notes"].insert({"id": call.ids.hex("note", 24), "number": number, "title": title})
    return render(call, row)


@api.operation("GET", "/notes/{number}")
def get_note(call: Call) -> dict[str, Any]:
    return render(call, find(call))


@api.operation("PATCH", "/notes/{number}", write=True)
def update_note(call: Call) -> dict[str, Any]:
    """Change the title or the state (open, closed)."""
    row = find(call)
    body = call.require_body()
    state = body.enum("state", ("open", "closed"), row["state"])
    row = call.state["notes_notes"].update(row["id"], title=body.text("title", row["title"]), state=state)
    return render(call, row)


@api.operation("DELETE", "/notes/{number}", write=True, status=204)
def delete_note(call: Call) -> None:
    call.state["notes_notes"].delete(find(call)["id"])
