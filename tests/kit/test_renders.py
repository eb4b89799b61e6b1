"""The runtime's per-row render cache: a rendering is made once per row version and `extra`, a
write to the row (update, delete, undo) forgets it, each tenant state keeps its own, and a change
to a collection it depends on forgets them all."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field

from twins._runtime.collection import CollectionSpec, Row, TenantRow, TenantState
from twins.kit.renders import RowRender


class Widget(TenantRow, table=True):
    __tablename__ = "test_render_widgets"
    id: str = Field(primary_key=True)
    name: str
    colour: str = "red"


class Theme(TenantRow, table=True):
    __tablename__ = "test_render_themes"
    id: str = Field(primary_key=True)
    accent: str = "blue"


SPECS = [CollectionSpec.of(Widget, name="widgets"), CollectionSpec.of(Theme, name="themes")]


def tenant(name: str = "t1") -> TenantState:
    state = TenantState(name, SPECS, seed=1, size=1)
    state["widgets"].insert({"id": "w1", "name": "one"})
    state["widgets"].insert({"id": "w2", "name": "two"})
    state.take_pending()
    return state


class Counting:
    """A render function that counts what it rendered."""

    def __init__(self) -> None:
        self.made: list[tuple[str, Any]] = []

    def __call__(self, state: TenantState, row: Row, extra: Any) -> str:
        self.made.append((row["id"], extra))
        return f"{state.id}:{row['name']}:{row['colour']}@{extra}"


def test_a_row_renders_once_per_version_and_extra() -> None:
    render = Counting()
    widget = RowRender("widgets", render)
    state = tenant()
    row = state["widgets"].get("w1")
    assert row is not None
    assert widget(state, row, "http://a") == "t1:one:red@http://a"
    assert widget(state, row, "http://a") == "t1:one:red@http://a"
    assert render.made == [("w1", "http://a")]
    assert widget(state, row, "http://b") == "t1:one:red@http://b"  # other extra: made again
    assert widget.many(state, state["widgets"], "http://b") == ["t1:one:red@http://b", "t1:two:red@http://b"]
    assert render.made == [("w1", "http://a"), ("w1", "http://b"), ("w2", "http://b")]


def test_a_write_forgets_the_rows_rendering() -> None:
    render = Counting()
    widget = RowRender("widgets", render)
    state = tenant()
    old = state["widgets"].get("w1")
    assert old is not None
    widget(state, old)
    kept = state["widgets"].renders[widget]
    assert "w1" in kept
    new = state["widgets"].update("w1", colour="green")
    assert "w1" not in kept  # the update dropped it
    assert widget(state, new) == "t1:one:green@None"
    assert widget(state, old) == "t1:one:red@None"  # the old version: rendered, not kept
    assert kept["w1"][0] is new
    assert widget(state, new) == "t1:one:green@None"
    assert render.made == [("w1", None), ("w1", None), ("w1", None)]
    state.rollback()  # the update undone: the old row is back, its rendering made afresh
    assert "w1" not in kept
    assert widget(state, old) == "t1:one:red@None"
    state["widgets"].delete("w1")
    assert "w1" not in kept


def test_each_tenant_state_keeps_its_own() -> None:
    render = Counting()
    widget = RowRender("widgets", render)
    one, two = tenant("t1"), tenant("t2")
    row_one, row_two = one["widgets"].get("w2"), two["widgets"].get("w2")
    assert row_one is not None and row_two is not None
    assert widget(one, row_one) == "t1:two:red@None"
    assert widget(two, row_two) == "t2:two:red@None"
    assert widget(tenant("t1"), row_one) == "t1:two:red@None"  # a new state (reset): none kept
    assert len(render.made) == 3


def test_a_change_to_a_collection_it_depends_on_forgets_every_rendering() -> None:
    render = Counting()
    widget = RowRender("widgets", render, depends=lambda state: state["themes"].changes)
    state = tenant()
    row = state["widgets"].get("w1")
    assert row is not None
    widget(state, row)
    widget(state, row)
    state["themes"].insert({"id": "dark"})
    widget(state, row)
    assert len(render.made) == 2


def test_keep_says_which_rows_are_kept() -> None:
    render = Counting()
    widget = RowRender("widgets", render, keep=lambda row: row["name"] != "two")
    state = tenant()
    for _ in range(2):
        widget.many(state, state["widgets"])
    assert render.made == [("w1", None), ("w2", None), ("w2", None)]


def test_every_write_reaches_every_cache_through_one_hook() -> None:
    """An update, an undo, a delete and rows another process wrote or deleted each move the
    collection's version, reach its listeners and a watch, and forget the row's rendering."""
    render = Counting()
    widget = RowRender("widgets", render)
    state = tenant()
    widgets = state["widgets"]
    touched = widgets.watch()
    heard: list[Any] = []
    widgets.on_change(heard.append)
    loaded = dict(widgets.get("w1") or {})

    def update() -> None:
        widgets.update("w1", colour="green")

    def undo() -> None:
        state.rollback()

    def delete() -> None:
        state.take_pending()
        widgets.delete("w1")

    def reloaded() -> None:
        state.rollback()
        widgets.put_loaded({**loaded, "colour": "blue"})

    def dropped() -> None:
        widgets.drop_loaded("w1")

    for write in (update, undo, delete, reloaded, dropped):
        row = widgets.get("w1")
        if row is not None:
            widget(state, row)
            assert "w1" in widgets.renders[widget]
        version = widgets.changes
        write()
        assert widgets.changes > version, write.__name__
        assert "w1" not in widgets.renders[widget], write.__name__
        assert touched == {"w1"} and set(heard) == {"w1"}, write.__name__
        touched.clear()
        heard.clear()
    assert widgets.get("w1") is None and widgets.get("w2") is not None
    assert widget(state, widgets.get("w2") or {}) == "t1:two:red@None"


def test_a_change_of_what_it_depends_on_empties_the_same_cache() -> None:
    """The cache stays the collection's listener: emptied in place, it still hears of writes."""
    theme = {"accent": "blue"}
    widget = RowRender("widgets", Counting(), depends=lambda state: theme["accent"])
    state = tenant()
    widgets = state["widgets"]
    widget(state, widgets.get("w1") or {})
    kept = widgets.renders[widget]
    theme["accent"] = "gold"
    widget(state, widgets.get("w2") or {})
    assert widgets.renders[widget] is kept and set(kept) == {"w2"} and kept.seen == "gold"
    widgets.update("w2", colour="green")
    assert not kept
