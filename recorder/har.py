"""HAR 1.2: exchanges from a parsed HAR document, and a HAR document from exchanges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from recorder.codec import as_text, body_from_base64, fail, status_code
from recorder.trace import Body, Exchange, Request, Response

HAR_VERSION = "1.2"
CREATOR = {"name": "dark-factory-twins", "version": "0.1.0"}
_FIX = "export the HAR again (HAR 1.2, with content) or fix the entry by hand"


def har_entries(doc: Any, where: str) -> list[Any]:
    """The `log.entries` list of a HAR document; a clear error when there is none."""
    log = doc.get("log") if isinstance(doc, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        fail(where, "HAR has no log.entries list", "export a HAR 1.2 file (File > Save all as HAR)")
    return entries


def _headers(value: Any, where: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        fail(where, "headers are not a list", _FIX)
    pairs: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, Mapping) or "name" not in item:
            fail(where, "a header has no name", _FIX)
        name = as_text(item["name"])
        if not name.startswith(":"):  # HTTP/2 pseudo-headers are not part of the message
            pairs.append((name, as_text(item.get("value"))))
    return pairs


def _request_body(post: Any, where: str) -> Body:
    if not isinstance(post, Mapping):
        return Body()
    text = post.get("text")
    if isinstance(text, str):
        if post.get("_encoding") == "base64" or post.get("encoding") == "base64":
            return body_from_base64(text, where)
        return Body(text=text)
    params = post.get("params")
    if isinstance(params, list):
        pairs = [(as_text(p.get("name")), as_text(p.get("value"))) for p in params if isinstance(p, Mapping)]
        return Body(text=urlencode(pairs))
    return Body()


def _response_body(content: Any, where: str) -> Body:
    if not isinstance(content, Mapping):
        return Body()
    text = content.get("text")
    if not isinstance(text, str):
        return Body()
    if content.get("encoding") == "base64":
        return body_from_base64(text, where)
    return Body(text=text)


def _exchange(entry: Any, where: str) -> Exchange:
    if not isinstance(entry, Mapping):
        fail(where, "entry is not an object", _FIX)
    req, res = entry.get("request"), entry.get("response")
    if not isinstance(req, Mapping) or not isinstance(res, Mapping):
        fail(where, "entry has no request or response object", _FIX)
    method, url = as_text(req.get("method")).upper(), as_text(req.get("url"))
    if not method or not url:
        fail(where, "request has no method or url", _FIX)
    time = entry.get("time")
    duration = float(time) if isinstance(time, int | float) and time > 0 else 0.0
    exchange = Exchange(
        ts=as_text(entry.get("startedDateTime")),
        request=Request(
            method=method,
            url=url,
            headers=_headers(req.get("headers"), f"{where}: request.headers"),
            body=_request_body(req.get("postData"), f"{where}: request.postData"),
        ),
        response=Response(
            status=status_code(res.get("status"), f"{where}: response"),
            headers=_headers(res.get("headers"), f"{where}: response.headers"),
            body=_response_body(res.get("content"), f"{where}: response.content"),
        ),
        duration_ms=duration,
    )
    if isinstance(entry.get("_service"), str):
        exchange.service = entry["_service"]
    if isinstance(entry.get("_session"), str):
        exchange.session = entry["_session"]
    return exchange


def from_har(doc: Any, where: str) -> list[Exchange]:
    """Exchanges of a HAR 1.2 document; `_service`/`_session` written by `export_har` kept."""
    return [
        _exchange(entry, f"{where}: entry {index}") for index, entry in enumerate(har_entries(doc, where))
    ]


def _header_list(headers: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _first(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _size(body: Body) -> int:
    return len(body.to_bytes()) if body.text else 0


def _entry(exchange: Exchange) -> dict[str, Any]:
    req, res = exchange.request, exchange.response
    request: dict[str, Any] = {
        "method": req.method,
        "url": req.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _header_list(req.headers),
        "queryString": [
            {"name": name, "value": value}
            for name, value in parse_qsl(urlsplit(req.url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": _size(req.body),
    }
    if req.body.text:
        post: dict[str, Any] = {
            "mimeType": _first(req.headers, "content-type"),
            "text": req.body.text,
        }
        if req.body.encoding == "base64":
            post["_encoding"] = "base64"
        request["postData"] = post
    content: dict[str, Any] = {
        "size": _size(res.body),
        "mimeType": _first(res.headers, "content-type"),
        "text": res.body.text,
    }
    if res.body.encoding == "base64":
        content["encoding"] = "base64"
    try:
        status_text = HTTPStatus(res.status).phrase
    except ValueError:
        status_text = ""
    return {
        "startedDateTime": exchange.ts,
        "time": exchange.duration_ms,
        "request": request,
        "response": {
            "status": res.status,
            "statusText": status_text,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _header_list(res.headers),
            "content": content,
            "redirectURL": _first(res.headers, "location"),
            "headersSize": -1,
            "bodySize": _size(res.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": exchange.duration_ms, "receive": 0},
        "_service": exchange.service,
        "_session": exchange.session,
        "_seq": exchange.seq,
    }


def export_har(exchanges: Iterable[Exchange]) -> dict[str, Any]:
    """A HAR 1.2 document (as a dict for `json.dump`) holding the exchanges in order."""
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": dict(CREATOR),
            "pages": [],
            "entries": [_entry(exchange) for exchange in exchanges],
        }
    }
