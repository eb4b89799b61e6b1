"""Drift between a real service and its twin: send both the same requests, normalise volatile
values (ids mapped pairwise, timestamps, request ids, origins) and report, per endpoint, the
statuses, body fields and headers that differ."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from recorder.classify import endpoint
from recorder.normalize import SLACK_TS, pair_values, parse_json, placeholder
from recorder.trace import Exchange

VOLATILE_HEADERS = frozenset(
    {
        "date",
        "age",
        "etag",
        "expires",
        "last-modified",
        "content-length",
        "set-cookie",
        "server",
        "via",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "x-request-id",
        "x-okta-request-id",
        "x-slack-req-id",
        "x-arequestid",
        "x-trace-id",
        "x-b3-traceid",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
        "x-recorded-content-encoding",
        "content-encoding",
        "strict-transport-security",
    }
)
VOLATILE_KEYS = frozenset(
    {"created", "updated", "lastUpdated", "lastLogin", "statusChanged", "passwordChanged", "activated"}
    | {"ts", "event_ts", "thread_ts", "latest", "date_create", "date_update", "expires_in", "requestId"}
)
FORWARDED = ("content-type", "accept")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": [1]}}` as `{"a": "<object>", "a.b": "<list>", "a.b[]": 1}`; list items share
    `[]`, the first item wins."""
    out: dict[str, Any] = {}
    if prefix and isinstance(value, dict | list):
        out[prefix] = "<object>" if isinstance(value, dict) else "<list>"
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key in VOLATILE_KEYS and not isinstance(item, dict | list):
                out[path] = "<volatile>"
                continue
            out.update({k: v for k, v in flatten(item, path).items() if k not in out})
    elif isinstance(value, list):
        for item in value:
            for key, leaf in flatten(item, f"{prefix}[]").items():
                out.setdefault(key, leaf)
        if not value:
            out.setdefault(f"{prefix}[]", "<empty>")
    else:
        out[prefix] = value
    return out


@dataclass
class EndpointDrift:
    """What differs on one endpoint, over every request sent to it."""

    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # "real->twin": count, mismatches only
    missing_fields: set[str] = field(default_factory=set)  # in the real answer, not the twin's
    extra_fields: set[str] = field(default_factory=set)
    different_values: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    headers: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        return bool(
            self.statuses or self.missing_fields or self.extra_fields or self.different_values or self.headers
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "statuses": self.statuses,
            "missing_fields": sorted(self.missing_fields),
            "extra_fields": sorted(self.extra_fields),
            "different_values": {k: list(v) for k, v in sorted(self.different_values.items())},
            "headers": {k: list(v) for k, v in sorted(self.headers.items())},
        }


@dataclass
class DriftReport:
    """Per-endpoint drift between two services, and the id pairs learnt on the way."""

    real: str
    twin: str
    endpoints: dict[str, EndpointDrift] = field(default_factory=dict)
    real_ids: dict[str, str] = field(default_factory=dict)  # recorded id -> the real service's
    twin_ids: dict[str, str] = field(default_factory=dict)  # recorded id -> the twin's
    failures: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> dict[str, EndpointDrift]:
        return {name: item for name, item in sorted(self.endpoints.items()) if item.drifted}

    def compare(self, exchange: Exchange, real: httpx.Response | Exchange, twin: httpx.Response) -> None:
        """Fold one pair of answers to the same request into the report."""
        item = self.endpoints.setdefault(
            endpoint(exchange.request.method, exchange.request.url), EndpointDrift()
        )
        item.requests += 1
        r_status, r_headers, r_text = _parts(real)
        if r_status != twin.status_code:
            key = f"{r_status}->{twin.status_code}"
            item.statuses[key] = item.statuses.get(key, 0) + 1
        r_body, t_body = parse_json(r_text), parse_json(twin.text)
        recorded = parse_json(exchange.response.body.text)
        for body, ids in ((r_body, self.real_ids), (t_body, self.twin_ids)):
            if recorded is not None and body is not None:
                pair_ids(recorded, body, ids)
        self._fields(item, r_body, t_body)
        self._headers(item, r_headers, twin.headers.multi_items())

    def _fields(self, item: EndpointDrift, real: Any, twin: Any) -> None:
        r_flat = flatten(placeholder(_origins(real)))
        t_flat = flatten(placeholder(_origins(twin)))
        item.missing_fields |= set(r_flat) - set(t_flat)
        item.extra_fields |= set(t_flat) - set(r_flat)
        for key in set(r_flat) & set(t_flat):
            if r_flat[key] != t_flat[key] and not _same_id(r_flat[key], t_flat[key]):
                item.different_values.setdefault(key, (r_flat[key], t_flat[key]))

    def _headers(
        self, item: EndpointDrift, real: Iterable[tuple[str, str]], twin: Iterable[tuple[str, str]]
    ) -> None:
        r_map = {k.lower(): _header_value(k, v) for k, v in real if k.lower() not in VOLATILE_HEADERS}
        t_map = {k.lower(): _header_value(k, v) for k, v in twin if k.lower() not in VOLATILE_HEADERS}
        for name in set(r_map) | set(t_map):
            if r_map.get(name) != t_map.get(name):
                item.headers.setdefault(name, (r_map.get(name), t_map.get(name)))

    def as_json(self) -> dict[str, Any]:
        return {
            "real": self.real,
            "twin": self.twin,
            "requests": sum(item.requests for item in self.endpoints.values()),
            "endpoints": len(self.endpoints),
            "drifted": {name: item.as_json() for name, item in self.drifted.items()},
            "failures": self.failures,
        }

    def markdown(self) -> str:
        lines = [
            f"# Drift report: {self.real} vs {self.twin}",
            "",
            f"{sum(i.requests for i in self.endpoints.values())} requests over {len(self.endpoints)} "
            f"endpoints; {len(self.drifted)} endpoints differ.",
            "",
        ]
        for name, item in self.drifted.items():
            lines += [f"## {name}", "", f"{item.requests} requests", ""]
            lines += [f"- status {pair} ({count}x)" for pair, count in sorted(item.statuses.items())]
            lines += [f"- field `{k}` missing in the twin" for k in sorted(item.missing_fields)]
            lines += [f"- field `{k}` only in the twin" for k in sorted(item.extra_fields)]
            lines += [
                f"- field `{k}`: real `{json.dumps(r)}`, twin `{json.dumps(t)}`"
                for k, (r, t) in sorted(item.different_values.items())
            ]
            lines += [f"- header `{k}`: real `{r}`, twin `{t}`" for k, (r, t) in sorted(item.headers.items())]
            lines.append("")
        lines += [f"- failed: {failure}" for failure in self.failures]
        return "\n".join(lines).rstrip() + "\n"


def pair_ids(recorded: Any, live: Any, found: dict[str, str]) -> None:
    """Remember recorded -> live for ids, URLs and Slack message timestamps in the same places."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        for key, value in recorded.items():
            if key in live:
                pair_ids(value, live[key], found)
    elif isinstance(recorded, list) and isinstance(live, list):
        for r_item, l_item in zip(recorded, live, strict=False):
            pair_ids(r_item, l_item, found)
    elif isinstance(recorded, str) and isinstance(live, str) and recorded != live:
        if SLACK_TS.match(recorded):
            found.setdefault(recorded, live)
        else:
            pair_values(recorded, live, found)


def _parts(answer: httpx.Response | Exchange) -> tuple[int, list[tuple[str, str]], str]:
    if isinstance(answer, Exchange):
        r = answer.response
        return r.status, list(r.headers), r.body.text if r.body.encoding != "base64" else ""
    return answer.status_code, answer.headers.multi_items(), answer.text


def _header_value(name: str, value: str) -> str:
    if name.lower() == "content-type":
        return value.split(";")[0].strip().lower()
    text = placeholder(value)
    return text if isinstance(text, str) else value


def _same_id(real: Any, twin: Any) -> bool:
    return (
        isinstance(real, str)
        and isinstance(twin, str)
        and real.startswith("<id:")
        and twin.startswith("<id:")
    )


def _origins(value: Any) -> Any:
    """URLs with their scheme and host replaced by `<origin>`: the two services live apart."""
    if isinstance(value, dict):
        return {k: _origins(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_origins(v) for v in value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        return "<origin>" + value[len(f"{parts.scheme}://{parts.netloc}") :]
    return value


@dataclass
class Side:
    """One service to send requests to: base URL and headers (credentials) to add."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


def build_request(
    client: httpx.AsyncClient, exchange: Exchange, side: Side, ids: dict[str, str]
) -> httpx.Request:
    """The recorded request aimed at `side`, recorded ids swapped for that side's own."""
    parts = urlsplit(exchange.request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = exchange.request.body.to_bytes()
    for recorded in sorted(ids, key=len, reverse=True):
        target = target.replace(recorded, ids[recorded])
        if exchange.request.body.encoding != "base64":
            body = body.replace(recorded.encode(), ids[recorded].encode())
    headers = {k: v for k, v in exchange.request.headers if k.lower() in FORWARDED}
    headers.update(side.headers)
    return client.build_request(
        exchange.request.method, side.url.rstrip("/") + target, headers=headers, content=body or None
    )


async def run_drift(
    exchanges: Sequence[Exchange], real: Side, twin: Side, timeout: float = 30.0
) -> DriftReport:
    """Send each exchange's request to both sides in order and fold the answers into a report."""
    report = DriftReport(real.url, twin.url)
    async with httpx.AsyncClient(timeout=timeout) as client:
        for exchange in exchanges:
            try:
                real_answer = await client.send(build_request(client, exchange, real, report.real_ids))
                twin_answer = await client.send(build_request(client, exchange, twin, report.twin_ids))
            except httpx.HTTPError as exc:
                report.failures.append(f"{exchange.request.method} {exchange.request.url}: {exc}")
                continue
            report.compare(exchange, real_answer, twin_answer)
    return report
