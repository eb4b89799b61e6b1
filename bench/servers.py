"""ASGI app factories the benchmarks start under uvicorn (`--factory bench.servers:NAME`).

Configured through environment variables so that each server is a plain uvicorn process:

- `bare_app`: `BENCH_BODY_FILE` holds the bytes every request gets back (the twin's own read
  answer, captured by the harness), served from `GET /v1/notes/{note_id}` and `POST /v1/notes`
  with FastAPI routing and no work at all. It is the baseline the twin is compared with.
- `twin_app`: the sample twin (tests/runtime/sample.py) built by `build_app`; `BENCH_DB_URL`
  picks the database, `BENCH_JOURNAL=0` turns the request journal off and `BENCH_SHARED=1` runs it
  in shared mode (several worker processes on one database).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

JSON = "application/json"


def bare_app() -> FastAPI:
    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    created = int(os.environ.get("BENCH_POST_STATUS", "201"))
    app = FastAPI()

    @app.get("/v1/notes/{note_id}")
    async def read(note_id: str) -> Response:
        return Response(body, media_type=JSON)

    @app.post("/v1/notes")
    async def write() -> Response:
        return Response(body, status_code=created, media_type=JSON)

    @app.get("/health")
    async def health() -> Response:
        return Response(b"{}", media_type=JSON)

    from twins._runtime import heap

    heap.settle()  # the same process settings as the twins get
    return app


def twin_app() -> FastAPI:
    from tests.runtime.sample import create_service
    from twins._runtime import heap
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings

    settings = Settings(
        db_url=os.environ["BENCH_DB_URL"],
        admin_auth=False,
        seed_size=int(os.environ.get("BENCH_SEED_SIZE", "1")),
        journal=os.environ.get("BENCH_JOURNAL", "1") != "0",
        shared=os.environ.get("BENCH_SHARED", "0") == "1",  # as `twins serve --workers N` sets it
    )
    app = build_app(create_service(), settings)
    heap.settle()  # as `twins serve` does before serving
    return app
