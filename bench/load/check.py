"""After a load run: count from the database what the twins acknowledged, and check its invariants.

Slack: every acknowledged message is stored (no lost writes), its last acknowledged edit is what is
stored, `ts` is unique per channel and increases with insertion order. Okta: every acknowledged user
exists and each load group's members are exactly what the acknowledged adds and removes leave.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import psycopg


def read_log(folder: Path) -> list[dict[str, Any]]:
    """Every acknowledged write, file by file (each file's lines are in the order they happened)."""
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        entries.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return entries


def check_slack(
    db_url: str, run_id: str, log: list[dict[str, Any]], tenant: str = "default"
) -> dict[str, Any]:
    """Messages acknowledged vs stored; ts unique and increasing per channel."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT channel, ts, text, twin_seq FROM slack_messages WHERE tenant_id = %s", (tenant,)
        ).fetchall()
    stored = {(ch, ts): text for ch, ts, text, _ in rows}
    acked = {(e["channel"], e["ts"]): e["text"] for e in log if e["kind"] == "message"}
    for e in log:  # the last acknowledged edit of a message is its text
        if e["kind"] == "edit":
            acked[(e["channel"], e["ts"])] = e["text"]
    ours = {key for key, text in stored.items() if text.startswith(f"load-{run_id} ")}
    lost = sorted(set(acked) - set(stored))
    wrong_text = sorted(k for k in acked if k in stored and stored[k] != acked[k])
    duplicates = [key for key, n in Counter((ch, ts) for ch, ts, _, _ in rows).items() if n > 1]
    out_of_order = 0
    by_channel: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for ch, ts, _, seq in rows:
        by_channel[ch].append((seq, ts))
    for items in by_channel.values():
        items.sort()
        out_of_order += sum(1 for a, b in itertools.pairwise(items) if float(b[1]) <= float(a[1]))
    return {
        "acknowledged": len(acked),
        "stored_from_run": len(ours),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "stored_not_acknowledged": len(ours - set(acked)),
        "wrong_text": len(wrong_text),
        "duplicate_ts": len(duplicates),
        "ts_out_of_insertion_order": out_of_order,
        "ok": not lost and not wrong_text and not duplicates and not out_of_order,
    }


def check_okta(
    db_url: str, run_id: str, log: list[dict[str, Any]], groups: list[str], tenant: str = "default"
) -> dict[str, Any]:
    """Users acknowledged vs stored; each load group's membership exactly as acknowledged."""
    expected: dict[tuple[str, str], bool] = {}
    for e in log:
        if e["kind"] == "member":
            expected[(e["group"], e["member"])] = e["op"] == "add"
    want = {pair for pair, present in expected.items() if present}
    users = {e["id"] for e in log if e["kind"] == "user"}
    with psycopg.connect(db_url) as conn:
        stored_users = {
            r[0]
            for r in conn.execute(
                "SELECT id FROM okta_users WHERE tenant_id = %s AND login LIKE %s",
                (tenant, f"load-{run_id}-%"),
            ).fetchall()
        }
        members = conn.execute(
            "SELECT group_id, user_id FROM okta_memberships WHERE tenant_id = %s AND group_id = ANY(%s)",
            (tenant, groups),
        ).fetchall()
    have = [(g, u) for g, u in members]
    duplicates = [pair for pair, n in Counter(have).items() if n > 1]
    return {
        "users_acknowledged": len(users),
        "users_stored": len(stored_users),
        "users_lost": len(users - stored_users),
        "users_not_acknowledged": len(stored_users - users),
        "memberships_expected": len(want),
        "memberships_stored": len(set(have)),
        "memberships_missing": len(want - set(have)),
        "memberships_extra": len(set(have) - want),
        "membership_duplicates": len(duplicates),
        "ok": users <= stored_users and set(have) == want and not duplicates,
    }
