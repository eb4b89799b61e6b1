"""Typed service extensions: objects a twin needs beside its state (token verifier keys, the
outbox, caches), built once in `on_start` and found by their class: `call.ext(Keys)` is a `Keys`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from twins._runtime.context import TwinContext

T = TypeVar("T")
Factory = Callable[[TwinContext], object]


class Extensions:
    """The extensions of one running twin, by class."""

    def __init__(self, factories: Sequence[Factory]) -> None:
        self.factories = list(factories)
        self._items: dict[type[Any], object] = {}
        self.started = False

    def start(self, ctx: TwinContext) -> None:
        """Build every extension (once; later calls do nothing)."""
        if self.started:
            return
        self.started = True
        for factory in self.factories:
            self.add(factory(ctx))

    def add(self, value: T) -> T:
        cls = type(value)
        if cls in self._items:
            raise ValueError(f"two extensions of class {cls.__name__}")
        self._items[cls] = value
        return value

    def get(self, cls: type[T]) -> T:
        """The extension of class `cls` (or a subclass); a LookupError names what is there."""
        found = self._items.get(cls)
        if found is None:
            found = next((v for k, v in self._items.items() if issubclass(k, cls)), None)
        if found is None:
            have = ", ".join(k.__name__ for k in self._items) or "none"
            raise LookupError(f"no extension {cls.__name__}; the twin has: {have}")
        assert isinstance(found, cls)
        return found

    def stop(self) -> None:
        """Close the extensions that can be closed, newest first."""
        for value in reversed(list(self._items.values())):
            close = getattr(value, "close", None)
            if callable(close):
                close()
        self._items.clear()
        self.started = False
