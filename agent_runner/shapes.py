"""JSON shapes from examples: types, required and nullable fields, enums and formats, merged
over every body an endpoint answered (or was sent)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
URI = re.compile(r"^https?://")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
ENUM_MOST = 8  # at most this many distinct short words seen several times: an enum
ENUM_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


class Shape(BaseModel):
    """A JSON Schema subset: what the examples showed."""

    type: str = "null"  # object, array, string, integer, number, boolean, null, any
    nullable: bool = False
    properties: dict[str, Shape] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    items: Shape | None = None
    format: str = ""
    values: list[str] = Field(default_factory=list)  # distinct string values seen (up to a bound)
    seen: int = 0

    @property
    def enum(self) -> list[str]:
        """The values, when few distinct short words were seen more often than there are words."""
        if self.type != "string" or self.format or not self.values or len(self.values) > ENUM_MOST:
            return []
        if self.seen < 2 * len(self.values) or not all(ENUM_WORD.match(v) for v in self.values):
            return []
        return sorted(self.values)

    def to_schema(self) -> dict[str, Any]:
        """The shape as JSON Schema (OpenAPI 3.1 flavour)."""
        out: dict[str, Any] = {}
        kind = self.type
        if kind == "any":
            return {}
        out["type"] = [kind, "null"] if self.nullable and kind != "null" else kind
        if kind == "object" and self.properties:
            out["properties"] = {k: v.to_schema() for k, v in self.properties.items()}
            if self.required:
                out["required"] = list(self.required)
        if kind == "array" and self.items is not None:
            out["items"] = self.items.to_schema()
        if self.format:
            out["format"] = self.format
        if self.enum:
            out["enum"] = self.enum
        return out


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "any"


def _format(text: str) -> str:
    if DATE_TIME.match(text):
        return "date-time"
    if UUID.match(text):
        return "uuid"
    if EMAIL.match(text):
        return "email"
    return "uri" if URI.match(text) else ""


def learn(shape: Shape | None, value: Any, depth: int = 0) -> Shape:
    """`shape` widened by one more example."""
    out = shape if shape is not None else Shape(type=_kind(value))
    kind = _kind(value)
    first = out.seen == 0
    out.seen += 1
    if kind == "null":
        out.nullable = True
        return out
    if out.type == "null":
        out.type, out.nullable = kind, True
    elif out.type != kind:
        out.type = "number" if {out.type, kind} == {"integer", "number"} else "any"
    if depth > 12 or out.type == "any":
        return out
    if isinstance(value, dict):
        keys = list(value)
        out.required = keys if first else [k for k in out.required if k in value]
        for key in keys:
            out.properties[key] = learn(out.properties.get(key), value[key], depth + 1)
    elif isinstance(value, list):
        for item in value[:20]:
            out.items = learn(out.items, item, depth + 1)
    elif isinstance(value, str):
        fmt = _format(value)
        out.format = fmt if first else (out.format if out.format == fmt else "")
        if len(out.values) <= ENUM_MOST and value not in out.values:
            out.values.append(value)
    return out


def merge(a: Shape | None, b: Shape | None) -> Shape | None:
    """Two shapes' union (a regenerated twin keeps what it knew)."""
    if a is None or b is None:
        return a or b
    out = a.model_copy(deep=True)
    if out.type != b.type:
        out.type = b.type if out.type == "null" else out.type if b.type == "null" else "any"
    out.nullable = out.nullable or b.nullable
    out.required = [k for k in out.required if k in b.required]
    for key, sub in b.properties.items():
        out.properties[key] = merge(out.properties.get(key), sub) or sub
    out.items = merge(out.items, b.items)
    out.values = (out.values + [v for v in b.values if v not in out.values])[: ENUM_MOST + 1]
    out.format = out.format if out.format == b.format else ""
    out.seen += b.seen
    return out
