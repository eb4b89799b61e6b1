"""A small twin used to exercise the runtime: notes behind bearer tokens, with its own error style."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import JSON, Column, Field, SQLModel
from starlette.responses import JSONResponse, Response

from twins._runtime.collection import CollectionSpec, TenantRow, TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import TwinError
from twins._runtime.service import Service

metadata = SQLModel.metadata


class SampleNote(TenantRow, table=True):
    __tablename__ = "sample_notes"
    id: str = Field(primary_key=True)
    title: str
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created: float = 0.0


class SampleToken(TenantRow, table=True):
    __tablename__ = "sample_tokens"
    id: str = Field(primary_key=True)
    token: str = Field(index=True)
    user: str


class SampleError(TwinError):
    status = 400
    code = "bad_request"


class NotFound(SampleError):
    status = 404
    code = "not_found"


class NoteIn(BaseModel):
    title: str
    tags: list[str] = []


def seed(state: TenantState, size: int) -> None:
    state["sample_tokens"].insert(
        {"id": "tok1", "token": "st-" + state.ids.hex("token", 16), "user": "admin"}
    )
    for i in range(size):
        state["sample_notes"].insert(
            {
                "id": state.ids.next("note", prefix="N", length=8),
                "title": f"note {i}",
                "tags": ["seed"],
                "created": state.clock.now(),
            }
        )


def authed(request: Request) -> TwinContext:
    ctx = context_of(request)
    auth = request.headers.get("authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    tenant = ctx.tenant_for_token(token) if token else None
    if tenant is None:
        raise SampleError("invalid token", code="unauthorized", status=401)
    return ctx


def routes(_ctx: TwinContext) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/notes")
    async def list_notes(request: Request, limit: int = 50, after: str = "") -> Any:
        ctx = authed(request)
        rows = list(ctx.state(request)["sample_notes"])
        if after:
            keys = [r["id"] for r in rows]
            if after not in keys:
                raise SampleError("bad cursor", code="invalid_cursor")
            rows = rows[keys.index(after) + 1 :]
        return {"notes": [_wire(r) for r in rows[:limit]], "more": len(rows) > limit}

    @router.post("/notes")
    async def create(request: Request) -> Response:
        # Thin, as the real twins' routes are: the body is parsed here, in the vendor's terms.
        body = parse_note(await request.body())
        ctx = authed(request)

        def op(state: TenantState) -> dict[str, Any]:
            if not body.title.strip():
                raise SampleError("title is empty", code="no_title")
            row = state["sample_notes"].insert(
                {
                    "id": state.ids.next("note", prefix="N", length=8),
                    "title": body.title,
                    "tags": body.tags,
                    "created": state.clock.now(),
                }
            )
            if body.title == "boom-after-insert":
                raise SampleError("failed after a write", code="half_done")
            return _wire(row)

        return _json(await ctx.run(request, op), 201)

    @router.put("/notes/{note_id}/title")
    async def retitle(request: Request, note_id: str, body: NoteIn) -> Any:
        # FastAPI validates this body itself: its 422 must come out in the vendor's shape too.
        ctx = authed(request)

        def op(state: TenantState) -> dict[str, Any]:
            if state["sample_notes"].get(note_id) is None:
                raise NotFound(f"no note {note_id}")
            return _wire(state["sample_notes"].update(note_id, title=body.title))

        return await ctx.run(request, op)

    @router.get("/notes/{note_id}")
    async def get(request: Request, note_id: str) -> Response:
        row = authed(request).state(request)["sample_notes"].get(note_id)
        if row is None:
            raise NotFound(f"no note {note_id}")
        return _json(_wire(row))

    @router.delete("/notes/{note_id}", status_code=204)
    async def delete(request: Request, note_id: str) -> Response:
        ctx = authed(request)

        def op(state: TenantState) -> None:
            if state["sample_notes"].delete(note_id) is None:
                raise NotFound(f"no note {note_id}")

        await ctx.run(request, op)
        return Response(status_code=204)

    return router


def parse_note(raw: bytes) -> NoteIn:
    try:
        return NoteIn.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = f"{where}: {first['msg']}" if where else first["msg"]
        raise SampleError(message, code="invalid_body", status=422) from None


def _json(body: Any, status: int = 200) -> Response:
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(text.encode(), status, media_type="application/json")


def _wire(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "tags": row["tags"], "created": row["created"]}


def render(error: TwinError, _request: Request) -> Response:
    return JSONResponse(
        {"code": error.code, "message": error.message}, status_code=error.status, headers=error.headers
    )


def http_error(status: int, _request: Request, detail: str) -> TwinError:
    code = {404: "not_found", 405: "method_not_allowed", 422: "invalid_body"}.get(status, "server_error")
    return SampleError(detail, code=code, status=status)


def rate_limited(retry_after: int, _request: Request) -> TwinError:
    return SampleError(
        "slow down", code="rate_limited", status=429, headers={"Retry-After": str(retry_after)}
    )


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    return {"token": state["sample_tokens"].get("tok1")["token"]}  # type: ignore[index]


def credential_from_headers(headers: Mapping[str, str], _query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


def create_service() -> Service:
    return Service(
        name="sample",
        title="Sample",
        default_port=8099,
        collections=[
            CollectionSpec.of(SampleNote),
            CollectionSpec.of(SampleToken, unique=("token",), credential="token"),
        ],
        metadata=metadata,
        routes=routes,
        render_error=render,
        http_error=http_error,
        seed=seed,
        credentials=credentials,
        credential_from_headers=credential_from_headers,
        rate_limited=rate_limited,
    )
