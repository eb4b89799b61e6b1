"""emoji.list: the workspace's custom emoji and aliases (and, on request, the standard categories)."""

from __future__ import annotations

from typing import Any

from twins.slack import emoji
from twins.slack.call import Call
from twins.slack.methods import method

CATEGORIES_VERSION = "5"


@method("emoji.list")
def list_emoji(call: Call) -> dict[str, Any]:
    rows = list(call.state["emoji"])
    latest = max((r["created"] for r in rows), default=0)
    out: dict[str, Any] = {"emoji": emoji.listing(call.state), "cache_ts": f"{latest}.000000"}
    if call.params.flag("include_categories"):
        out["categories_version"] = CATEGORIES_VERSION
        out["categories"] = emoji.categories()
    return out
