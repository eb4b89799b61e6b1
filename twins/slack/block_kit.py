"""Block Kit's interactive elements: finding one in blocks, and what a person's choice on it
looks like in `actions[]` and in a view's `state.values`."""

from __future__ import annotations

from typing import Any

SELECT_ONE = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
SELECT_MANY = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
PICKED = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


def elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements of a block: actions' elements, an accessory, an input's element."""
    found: list[Any] = list(block.get("elements") or []) if block.get("type") == "actions" else []
    found += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
    return [
        e for e in found if isinstance(e, dict) and e.get("type") not in ("image", "mrkdwn", "plain_text")
    ]


def find_element(
    blocks: list[Any], action_id: str, block_id: Any = None
) -> tuple[str, dict[str, Any]] | None:
    for block in blocks:
        if not isinstance(block, dict) or (block_id and block.get("block_id") != block_id):
            continue
        for element in elements(block):
            if element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    if value is None and options:
        return dict(options[0])
    found = next((o for o in options if isinstance(o, dict) and o.get("value") == value), None)
    return (
        dict(found)
        if found
        else {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}
    )


def element_value(element: dict[str, Any], value: Any, *, clicked: bool = True) -> dict[str, Any]:
    """What a person's choice on an element looks like in `actions[]` and in `state.values`."""
    kind = str(element.get("type", ""))
    out: dict[str, Any] = {"type": kind}
    if kind == "button":
        out["text"] = element.get("text")
        if value is not None or "value" in element:
            out["value"] = element.get("value") if value is None else str(value)
        if element.get("style"):
            out["style"] = element["style"]
    elif kind in SELECT_ONE:
        out["selected_option"] = _option(element, value) if clicked or value is not None else None
    elif kind in SELECT_MANY:
        out["selected_options"] = [_option(element, v) for v in _as_list(value)]
    elif kind in PICKED:
        key = PICKED[kind]
        out[key] = _as_list(value) if key.endswith("s") else value
    else:
        out["value"] = value
    return out


def state_values(blocks: list[Any], given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """view.state.values from what the person typed ({block_id: {action_id: value}} or
    {action_id: value}), and the required inputs left empty."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for block in blocks:
        if (
            not isinstance(block, dict)
            or block.get("type") != "input"
            or not isinstance(block.get("element"), dict)
        ):
            continue
        element, block_id = block["element"], str(block.get("block_id", ""))
        action_id = str(element.get("action_id", ""))
        nested = given.get(block_id)
        raw = nested.get(action_id) if isinstance(nested, dict) else given.get(action_id)
        entry = raw if isinstance(raw, dict) and "type" in raw else element_value(element, raw, clicked=False)
        if raw in (None, "", []) and not block.get("optional"):
            missing.append(block_id)
        values[block_id] = {action_id: entry}
    return values, missing
