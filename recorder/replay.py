"""Replay a recorded request sequence against a twin, mapping recorded ids to the twin's own,
and compare each answer with the recording: status, outcome fields and key structure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

import httpx

from recorder.normalize import VOLATILE_ID, key_paths, pair_values, parse_json
from recorder.trace import Exchange

OUTCOME_KEYS = ("ok", "error", "errorCode", "errorMessages")
ID_IN_TEXT = re.compile(r"\b[CGDUWFBTAV][A-Z0-9]{8,12}\b|\b00[a-z][0-9A-Za-z]{17}\b")

# (recorded id, the exchange it appears in) -> the twin id to use, or None to leave it.
Fallback = Callable[[str, Exchange], str | None]
Hook = Callable[[Exchange], None]


@dataclass
class Step:
    """One replayed exchange and how the twin's answer compares with the recorded one."""

    exchange: Exchange
    status: tuple[int, int]
    outcome: dict[str, tuple[Any, Any]]
    missing_keys: list[str]
    extra_keys: list[str]
    response_text: str = ""  # the twin's answer, for checks beyond the key structure

    @property
    def same_status(self) -> bool:
        return self.status[0] == self.status[1]

    @property
    def same_outcome(self) -> bool:
        return all(r == t for r, t in self.outcome.values())

    @property
    def matched(self) -> bool:
        return self.same_status and self.same_outcome and not self.missing_keys


@dataclass
class Replayer:
    """Sends each recorded request to the twin, rewritten with the ids learnt so far."""

    client: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    fallback: Fallback | None = None
    ids: dict[str, str] = field(default_factory=dict)
    ignore_keys: Sequence[str] = ()

    def rewrite(self, text: str, exchange: Exchange, *, url: bool = False) -> str:
        for recorded in sorted(self.ids, key=len, reverse=True):
            text = text.replace(recorded, self.ids[recorded])
            if url and recorded.startswith("http"):
                continue
            text = text.replace(quote(recorded, safe=""), quote(self.ids[recorded], safe=""))
        # Ids are looked for in the decoded text too: `%2CC0…` hides the second of a comma list.
        for found in sorted(set(ID_IN_TEXT.findall(text)) | set(ID_IN_TEXT.findall(unquote_plus(text)))):
            if found in self.ids.values() or self.fallback is None:
                continue
            twin = self.fallback(found, exchange)
            if twin is not None:
                self.ids[found] = twin
                text = text.replace(found, twin)
        return text

    async def step(self, exchange: Exchange) -> Step:
        request = exchange.request
        url = self.rewrite(request.url, exchange, url=True)
        parts = urlsplit(url)
        target = (
            url
            if str(self.client.base_url).rstrip("/") in url
            else (parts.path + (f"?{parts.query}" if parts.query else ""))
        )
        body = (
            self.rewrite(request.body.text, exchange)
            if request.body.encoding != "base64"
            else request.body.to_bytes().decode("latin-1")
        )
        headers = {k: v for k, v in request.headers if k.lower() in ("content-type", "accept")}
        headers.update(self.headers)
        response = await self.client.request(
            request.method, target, content=body.encode("utf-8") if body else None, headers=headers
        )
        recorded = parse_json(exchange.response.body.text)
        twin = parse_json(response.text)
        if recorded is not None and twin is not None:
            pair_values(recorded, twin, self.ids)
        outcome: dict[str, tuple[Any, Any]] = {}
        if isinstance(recorded, dict):
            for key in OUTCOME_KEYS:
                if key in recorded:
                    outcome[key] = (recorded[key], twin.get(key) if isinstance(twin, dict) else None)
        r_keys, t_keys = key_paths(recorded), key_paths(twin)
        ignored = tuple(self.ignore_keys)
        return Step(
            exchange=exchange,
            status=(exchange.response.status, response.status_code),
            outcome=outcome,
            missing_keys=sorted(k for k in r_keys - t_keys if not k.startswith(ignored)),
            extra_keys=sorted(t_keys - r_keys),
            response_text=response.text,
        )

    async def run(self, exchanges: Sequence[Exchange], before: Hook | None = None) -> list[Step]:
        steps = []
        for exchange in exchanges:
            if before is not None:
                before(exchange)
            steps.append(await self.step(exchange))
        return steps


def is_volatile_id(value: str) -> bool:
    return bool(VOLATILE_ID.match(value))
