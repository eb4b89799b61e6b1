"""The OpenAPI document and the COVERAGE.md matcher of a kit twin, both read from its table."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import compile_path

from twins.kit.operations import RPC, Operation

SPEC_PARAM = re.compile(r"\{[^}]+\}")


def _security(op: Operation) -> list[dict[str, list[str]]]:
    if op.auth is None or op.auth.name == "anonymous":
        return []
    scopes = [] if op.scope is None else [op.scope] if isinstance(op.scope, str) else list(op.scope)
    return [{op.auth.name: scopes}]


def _operation(op: Operation, path_params: list[str]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in path_params
    ]
    if op.page is not None:
        params += [{"name": p, "in": "query", "schema": {"type": "string"}} for p in op.page.params]
    out: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": list(op.tags),
        "parameters": params,
        "responses": {str(op.status): {"description": "success"}},
        "security": _security(op),
    }
    if op.body != "none" and op.method in ("POST", "PUT", "PATCH", RPC):
        kind = "application/x-www-form-urlencoded" if op.body == "form" else "application/json"
        out["requestBody"] = {"required": False, "content": {kind: {"schema": {"type": "object"}}}}
    if op.write:
        out["x-twin-write"] = True
    return out


def document(title: str, ops: Sequence[Operation], rpc_path: str) -> dict[str, Any]:
    """OpenAPI 3.1: a path item per operation and prefix; each RPC method as POST `rpc_path`."""
    paths: dict[str, dict[str, Any]] = {}
    schemes: dict[str, Any] = {}
    for op in ops:
        if op.auth is not None and op.auth.name != "anonymous":
            schemes[op.auth.name] = {
                "type": "http",
                "scheme": "bearer",
                "description": type(op.auth).__name__,
            }
        if op.method == RPC:
            param = rpc_path.rsplit("{", 1)[1].rstrip("}")
            path = rpc_path.replace("{" + param + "}", op.path)
            paths.setdefault(path, {})["post"] = _operation(op, [])
            continue
        for path in op.paths:
            paths.setdefault(path, {})[op.method.lower()] = _operation(op, op.path_params)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} twin", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": schemes},
    }


def _shape(path: str) -> str:
    return SPEC_PARAM.sub("{}", path.rstrip("/") or "/")


def implements(ops: Sequence[Operation]) -> Callable[[str, str], bool]:
    """`implements(METHOD, spec path)` for COVERAGE.md: spec parameters may have other names."""
    table = {(op.method, _shape(path)) for op in ops if op.method != RPC for path in op.paths}
    rpc = {op.path for op in ops if op.method == RPC}

    def check(method: str, path: str) -> bool:
        if (method.upper(), _shape(path)) in table:
            return True
        return path.strip("/").rsplit("/", 1)[-1] in rpc  # an RPC spec names its method last

    return check


def by_route(ops: Sequence[Operation]) -> Callable[[str, str], bool]:
    """`implements` for a twin whose routes answer more paths than their shapes say (Okta's
    `/lifecycle/{action}`, `/meta/schemas/user/{schemaId}`): a spec operation counts when an
    operation's route would answer it, the spec's parameters taken as values, as the router does."""
    routes: dict[str, list[re.Pattern[str]]] = {}
    for op in ops:
        for path in op.paths if op.method != RPC else []:
            methods = (op.method, "HEAD") if op.method == "GET" else (op.method,)
            for method in methods:
                routes.setdefault(method, []).append(compile_path(path)[0])

    def check(method: str, path: str) -> bool:
        concrete = SPEC_PARAM.sub("x1", path)
        return any(regex.match(concrete) for regex in routes.get(method.upper(), ()))

    return check
