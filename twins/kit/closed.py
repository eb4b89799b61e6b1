"""Sent fields a vendor drops: at an object whose fields are a fixed set (`agent_runner.closed`),
a field the request sent that no recorded answer showed there is not answered or stored (Okta's
`constraints` sent as `authenticationMethods` chains read back as `[{}]`). A sent field named like
a secret, which answers are otherwise not given, is answered where answers show it (a closed
object's fields name it, or answers of several recordings hold an object there: a password
policy's `settings.password`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twins.kit.templates import SECRET

ITEM = "[]"  # a list's items in a path (`agent_runner.closed` writes the paths the kit reads)


def kept(body: Any, sent: Any, node: Mapping[str, Any]) -> Any:
    """`body` without the fields `sent` put at closed objects beyond their fields (a copy where
    anything goes; `body` itself otherwise)."""
    under = node.get("in") or {}
    if isinstance(body, list) and isinstance(sent, list):
        inner = under.get(ITEM)
        if not inner:
            return body
        items = [kept(b, s, inner) for b, s in zip(body, sent, strict=False)]
        items += body[len(items) :]
        return body if all(a is b for a, b in zip(items, body, strict=True)) else items
    if not isinstance(body, dict) or not isinstance(sent, Mapping):
        return body
    out = body
    only = node.get("only")
    if only is not None:
        extra = [k for k in sent if k in body and k not in only]
        if extra:
            out = {k: v for k, v in body.items() if k not in extra}
    # named like a secret, but answers show it there: the vendor's settings, not a secret
    shown = [k for k in sent if k not in body and (k in under or k in (only or ())) and SECRET.search(k)]
    if shown:
        out = {**out, **{k: sent[k] for k in shown}}
    for key, value in sent.items():
        child = under.get(key)
        if child and key in out:
            new = kept(out[key], value, child)
            if new is not out[key]:
                out = {**out, key: new} if out is body else out
                out[key] = new
    return out
