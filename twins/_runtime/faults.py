"""Fault injection: rules matching method and path that add latency, vendor errors, 429s or drops."""

from __future__ import annotations

import asyncio
import fnmatch
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

Action = Literal["error", "rate_limit", "drop", "latency"]


class FaultRule(BaseModel):
    """A fault; `path` is a glob (`/api/chat.*`) or, prefixed with `re:`, a regular expression."""

    method: str = "*"
    path: str = "*"
    action: Action = "error"
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    latency_ms: int = Field(default=0, ge=0, le=120_000)
    status: int = Field(default=500, ge=400, le=599)
    body: Any = None
    retry_after: int = Field(default=30, ge=0, le=86_400)
    times: int | None = Field(default=None, ge=1)
    ttl_seconds: float | None = Field(default=None, gt=0)

    @field_validator("path")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        if value.startswith("re:"):
            try:
                re.compile(value[3:])
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from exc
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


@dataclass
class ActiveFault:
    id: str
    tenant: str | None
    rule: FaultRule
    created: float
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random)
    _regex: re.Pattern[str] | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.rule.method not in ("*", method):
            return False
        pattern = self.rule.path
        if pattern.startswith("re:"):
            if self._regex is None:
                self._regex = re.compile(pattern[3:])
            return self._regex.search(path) is not None
        return fnmatch.fnmatchcase(path, pattern)

    def expired(self, now: float) -> bool:
        if self.rule.times is not None and self.hits >= self.rule.times:
            return True
        return self.rule.ttl_seconds is not None and now - self.created >= self.rule.ttl_seconds

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "tenant": self.tenant, "hits": self.hits, **self.rule.model_dump()}


class Faults:
    """Active fault rules; empty most of the time, so the check costs one length test."""

    def __init__(self) -> None:
        self.active: list[ActiveFault] = []
        self._n = 0

    def add(self, rule: FaultRule, tenant: str | None, seed: int = 0) -> ActiveFault:
        self._n += 1
        fault = ActiveFault(
            id=f"fault-{self._n}",
            tenant=tenant,
            rule=rule,
            created=time.monotonic(),
            rng=random.Random(f"{seed}:{self._n}"),
        )
        self.active.append(fault)
        return fault

    def remove(self, fault_id: str | None = None, tenant: str | None = None) -> int:
        before = len(self.active)
        self.active = [
            f
            for f in self.active
            if not ((fault_id is None or f.id == fault_id) and (tenant is None or f.tenant == tenant))
        ]
        return before - len(self.active)

    def pick(self, tenant: str | None, method: str, path: str) -> ActiveFault | None:
        """The first live rule that matches and fires (by its probability); counts the hit."""
        now = time.monotonic()
        self.active = [f for f in self.active if not f.expired(now)]
        for fault in self.active:
            if fault.tenant not in (None, tenant) or not fault.matches(method, path):
                continue
            if fault.rule.probability < 1.0 and fault.rng.random() >= fault.rule.probability:
                continue
            fault.hits += 1
            return fault
        return None

    def list(self, tenant: str | None = None) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [
            f.describe()
            for f in self.active
            if not f.expired(now) and (tenant is None or f.tenant in (None, tenant))
        ]


async def delay(fault: ActiveFault) -> None:
    if fault.rule.latency_ms:
        await asyncio.sleep(fault.rule.latency_ms / 1000)


class DroppedConnection(Exception):
    """Raised after the response started: the server closes the connection mid-response."""
