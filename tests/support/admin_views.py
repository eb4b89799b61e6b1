"""Every admin view of a tenant, fetched the same way for two twins, so that a reset tenant can be
compared with a fresh one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

# Wall-clock readings: a tenant clock runs on real time, so they differ between any two reads; and
# `created_at`, the wall time the seed snapshot was taken.
VOLATILE = frozenset({"now", "iso", "created_at"})


def scrub(value: Any) -> Any:
    """The value without the wall-clock readings of clock descriptions."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


async def admin_views(client: httpx.AsyncClient, paths: list[str]) -> dict[str, Any]:
    """GET each admin path (all must answer 200); the bodies by path, scrubbed."""
    out: dict[str, Any] = {}
    for path in paths:
        resp = await client.get(path)
        assert resp.status_code == 200, (path, resp.text)
        out[path] = scrub(resp.json())
    return out


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll `check` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as key paths (for a readable assertion message)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                out.append(f"{path}.{key}: only on the {'right' if key not in left else 'left'}")
            else:
                out += differences(left[key], right[key], f"{path}.{key}")
        return out
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        pairs = enumerate(zip(left, right, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    return [] if left == right else [f"{path}: {left!r:.120} != {right!r:.120}"]
