"""Schema versions of the Slack twin's tables (see twins/_runtime/migrations.py).

1. Pins (who pinned a message, when) and view trigger ids move out of the tenant's `meta`, which
   every commit rewrote whole, into the `slack_pins` and `slack_view_triggers` tables.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from twins._runtime.collection import Row
from twins._runtime.db import tenants_table
from twins._runtime.migrations import Dump, Migration
from twins.slack.models import COLLECTIONS

PINS = "pins"  # the meta keys of version 0
TRIGGERS = "trigger_ids"


def pin_rows(meta: dict[str, Any]) -> list[Row]:
    """The pin rows of a version-0 meta (message id -> {created, created_by})."""
    return [
        {
            "id": key,
            "channel": key.split("/", 1)[0],
            "created": int(info.get("created", 0)),
            "created_by": str(info.get("created_by", "")),
        }
        for key, info in (meta.get(PINS) or {}).items()
    ]


def trigger_rows(meta: dict[str, Any]) -> list[Row]:
    """The trigger rows of a version-0 meta (trigger id -> {user, app, expires, used})."""
    return [
        {
            "id": key,
            "user": str(info.get("user", "")),
            "app": info.get("app"),
            "expires": float(info.get("expires", 0.0)),
            "used": bool(info.get("used", False)),
        }
        for key, info in (meta.get(TRIGGERS) or {}).items()
    ]


TABLES = {spec.name: spec.table for spec in COLLECTIONS}


def _move_out_of_meta(conn: Connection) -> None:
    mine = tenants_table.c.service == "slack"
    found = conn.execute(sa.select(tenants_table.c.id, tenants_table.c.meta).where(mine)).all()
    for tenant, raw in found:
        stored = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
        meta = dict(stored.get("service") or {})  # the twin's own meta, beside clock and ids
        if PINS not in meta and TRIGGERS not in meta:
            continue
        for name, rows in ((PINS, pin_rows(meta)), ("view_triggers", trigger_rows(meta))):
            table = TABLES[name]
            # Rows of the moved data come before any later row (twin_seq is negative).
            for seq, row in enumerate(rows, start=-len(rows)):
                conn.execute(table.insert().values(tenant_id=tenant, twin_seq=seq, **row))
        meta.pop(PINS, None)
        meta.pop(TRIGGERS, None)
        stored = {**stored, "service": meta}
        conn.execute(tenants_table.update().where(mine, tenants_table.c.id == tenant).values(meta=stored))


def _move_snapshot(dump: Dump) -> Dump:
    meta = dict(dump.get("meta") or {})
    collections = dict(dump["collections"])
    for name, rows in ((PINS, pin_rows(meta)), ("view_triggers", trigger_rows(meta))):
        start = -len(rows)
        collections[name] = [
            *collections.get(name, []),
            *({**r, "twin_seq": start + i} for i, r in enumerate(rows)),
        ]
    meta.pop(PINS, None)
    meta.pop(TRIGGERS, None)
    return {**dump, "meta": meta, "collections": collections}


MIGRATIONS = [
    Migration(
        1,
        "pins and view trigger ids move from the tenant meta into slack_pins and slack_view_triggers",
        _move_out_of_meta,
        snapshot=_move_snapshot,
    ),
]
