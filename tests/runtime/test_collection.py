"""A collection's rows get the model's defaults for the fields they lack, and nothing else."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlmodel import Field

from twins._runtime.collection import CollectionSpec, StoreConflict, TenantRow, json_field

made = itertools.count()


class Gadget(TenantRow, table=True):
    __tablename__ = "test_gadgets"
    id: str = Field(primary_key=True)
    name: str
    tags: list[str] = json_field([])
    extra: dict[str, Any] = json_field({})
    size: int = 3
    serial: int = Field(default_factory=lambda: next(made))


def test_defaults_fill_what_the_row_lacks_in_the_models_order() -> None:
    spec = CollectionSpec.of(Gadget)
    first = spec.complete({"id": "g1", "name": "one"})
    assert list(first) == ["tags", "extra", "size", "serial", "id", "name"]
    assert first["tags"] == [] and first["extra"] == {} and first["size"] == 3
    second = spec.complete({"id": "g2", "name": "two"})
    assert second["tags"] is not first["tags"] and second["extra"] is not first["extra"]  # fresh each
    assert second["serial"] == first["serial"] + 1


def test_given_fields_keep_their_order_and_factories_are_not_called_for_them() -> None:
    spec = CollectionSpec.of(Gadget)
    before = next(made)
    row = spec.complete({"serial": 99, "id": "g", "tags": ["x"], "name": "n"})
    assert list(row) == ["extra", "size", "serial", "id", "tags", "name"]
    assert row["serial"] == 99 and row["tags"] == ["x"]
    assert next(made) == before + 1  # the serial factory was not called


def test_unknown_and_missing_fields_are_refused() -> None:
    spec = CollectionSpec.of(Gadget)
    with pytest.raises(StoreConflict, match="no field"):
        spec.complete({"id": "g", "name": "n", "colour": "red"})
    with pytest.raises(StoreConflict, match="lacks required"):
        spec.complete({"id": "g"})


def test_json_fields_default_to_empty_values_only() -> None:
    with pytest.raises(ValueError, match="empty"):
        json_field(["not empty"])


def test_a_watch_gathers_the_keys_written_and_undone() -> None:
    from twins._runtime.collection import TenantState

    spec = CollectionSpec.of(Gadget, name="gadgets", unique=("name",))
    state = TenantState("t1", [spec], seed=1, size=1)
    gadgets = state["gadgets"]
    gadgets.insert({"id": "a", "name": "A"})
    touched = gadgets.watch()
    assert touched == set()
    gadgets.insert({"id": "b", "name": "B"})
    gadgets.update("a", size=5)
    assert touched == {"a", "b"}
    touched.clear()
    state.take_pending()
    gadgets.delete("b")
    gadgets.update("a", size=6)
    assert touched == {"a", "b"}
    touched.clear()
    state.rollback()  # a failed operation: its rows come back, and are gathered again
    assert touched == {"a", "b"} and gadgets.get("b") is not None and gadgets.get("a")["size"] == 5
