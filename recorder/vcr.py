"""Exchanges from VCR cassettes: vcrpy, go-vcr v1/v2 and Ruby VCR (already parsed YAML)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from recorder.codec import (
    as_text,
    body_from_value,
    fail,
    go_duration_ms,
    headers_from_mapping,
    status_code,
    ts_from_headers,
    ts_from_http_date,
)
from recorder.trace import Exchange, Request, Response

_FIX = "re-record the cassette or fix the interaction by hand"


def _mapping(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        fail(where, f"{what} is missing or not a mapping", _FIX)
    return value


def _interactions(doc: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    items = doc.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        fail(where, f"`{key}` is not a list", _FIX)
    return [_mapping(item, f"{where}: interaction {i}", "the interaction") for i, item in enumerate(items)]


def _required_text(mapping: Mapping[str, Any], key: str, where: str) -> str:
    text = as_text(mapping.get(key)).strip()
    if not text:
        fail(where, f"`{key}` is missing", _FIX)
    return text


def _each(
    doc: Mapping[str, Any],
    key: str,
    where: str,
    convert: Callable[[Mapping[str, Any], str], Exchange],
) -> list[Exchange]:
    return [
        convert(item, f"{where}: interaction {index}")
        for index, item in enumerate(_interactions(doc, key, where))
    ]


def _uri_exchange(item: Mapping[str, Any], where: str) -> Exchange:
    """vcrpy and Ruby VCR share request.uri and status {code, message}; Ruby adds recorded_at."""
    req = _mapping(item.get("request"), where, "request")
    res = _mapping(item.get("response"), where, "response")
    response_headers = headers_from_mapping(res.get("headers"), f"{where}: response.headers")
    ts = ts_from_http_date(item.get("recorded_at")) or ts_from_headers(response_headers)
    status = res.get("status", res.get("status_code"))  # Betamax before 0.5 wrote `status_code: 200`
    return Exchange(
        ts=ts,
        request=Request(
            method=_required_text(req, "method", f"{where}: request").upper(),
            url=_required_text(req, "uri", f"{where}: request"),
            headers=headers_from_mapping(req.get("headers"), f"{where}: request.headers"),
            body=body_from_value(req.get("body"), f"{where}: request.body"),
        ),
        response=Response(
            status=status_code(status, f"{where}: response"),
            headers=response_headers,
            body=body_from_value(res.get("body"), f"{where}: response.body"),
        ),
    )


def from_vcrpy(doc: Mapping[str, Any], where: str) -> list[Exchange]:
    """Exchanges of a vcrpy cassette (`interactions:` with request.uri, status {code})."""
    return _each(doc, "interactions", where, _uri_exchange)


def _govcr_exchange(item: Mapping[str, Any], where: str) -> Exchange:
    req = _mapping(item.get("request"), where, "request")
    res = _mapping(item.get("response"), where, "response")
    response_headers = headers_from_mapping(res.get("headers"), f"{where}: response.headers")
    code = res.get("code", res.get("status"))
    return Exchange(
        ts=ts_from_headers(response_headers),
        request=Request(
            method=_required_text(req, "method", f"{where}: request").upper(),
            url=_required_text(req, "url", f"{where}: request"),
            headers=headers_from_mapping(req.get("headers"), f"{where}: request.headers"),
            body=body_from_value(req.get("body"), f"{where}: request.body"),
        ),
        response=Response(
            status=status_code(code, f"{where}: response"),
            headers=response_headers,
            body=body_from_value(res.get("body"), f"{where}: response.body"),
        ),
        duration_ms=go_duration_ms(res.get("duration")),
    )


def from_govcr(doc: Mapping[str, Any], where: str) -> list[Exchange]:
    """Exchanges of a go-vcr cassette (`version: 1|2`, request.url, response.code/duration)."""
    return _each(doc, "interactions", where, _govcr_exchange)


def from_ruby_vcr(doc: Mapping[str, Any], where: str) -> list[Exchange]:
    """Exchanges of a Ruby VCR cassette (`http_interactions:`, request.uri, recorded_at), or of a
    Betamax JSON cassette, which has the same shape (`recorded_with: betamax/…`)."""
    return _each(doc, "http_interactions", where, _uri_exchange)


def vcr_flavour(doc: Mapping[str, Any]) -> str | None:
    """`vcrpy`, `go-vcr`, `ruby-vcr` or `betamax` from a parsed cassette's shape; None if it is not one."""
    if "http_interactions" in doc:
        return "betamax" if str(doc.get("recorded_with", "")).startswith("betamax") else "ruby-vcr"
    if "interactions" not in doc:
        return None
    items = doc.get("interactions") or []
    first = items[0] if isinstance(items, list) and items else None
    if isinstance(first, Mapping):
        request = first.get("request")
        if isinstance(request, Mapping) and "url" in request and "uri" not in request:
            return "go-vcr"
        if isinstance(request, Mapping) and "uri" in request:
            return "vcrpy"
    return "go-vcr" if doc.get("version") == 2 else "vcrpy"
