"""Typed readers of request arguments (query, body, RPC params) that refuse bad values the
vendor's way: `args.flag("activate")`, `args.integer("limit", 20, low=1, high=200)`,
`args.enum("status", ("ACTIVE", "SUSPENDED"))`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from twins._runtime.errors import TwinError
from twins.kit.errors import ErrorStyle

E = TypeVar("E", bound=str)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body: `call.body.files("file")` lists a field's uploads."""

    filename: str
    content_type: str
    data: bytes


_MISSING = object()
_NO_MULTI: dict[str, list[str]] = {}  # shared, never changed


class Args(Mapping[str, Any]):
    """Arguments by name (query values are strings; JSON body values keep their type)."""

    def __init__(
        self, values: Mapping[str, Any], style: ErrorStyle, multi: Mapping[str, list[str]] | None = None
    ):
        self._values = dict(values)
        self._multi = dict(multi or {})
        self.style = style

    @classmethod
    def of(cls, values: dict[str, Any], style: ErrorStyle, multi: dict[str, list[str]] | None = None) -> Args:
        """Arguments holding `values` (and `multi`) as they are, not copied: the runtime's, for
        dicts it made for this request alone."""
        args = cls.__new__(cls)
        args._values = values
        args._multi = _NO_MULTI if multi is None else multi
        args.style = style
        return args

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def __len__(self) -> int:
        return len(self._values)

    def to_dict(self) -> dict[str, Any]:
        """The arguments as a plain dict (a copy)."""
        return dict(self._values)

    def files(self, name: str) -> list[Upload]:
        """The uploads of a multipart field (none when it is not a file field)."""
        value = self._values.get(name)
        return [v for v in value if isinstance(v, Upload)] if isinstance(value, list) else []

    def all(self, name: str) -> list[str]:
        """Every value of a repeated query argument, in order."""
        return list(self._multi.get(name, [self._values[name]] if name in self._values else []))

    def refuse(self, name: str, message: str) -> TwinError:
        return self.style.invalid(name, message)

    def text(self, name: str, default: str = "", *, required: bool = False) -> str:
        """A string; a non-string JSON value is refused."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if required:
                raise self.refuse(name, "is required")
            return default
        if not isinstance(value, str):
            raise self.refuse(name, "must be a string")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean in the vendor's spellings (the style's `flags`); anything else is refused."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        found = self.style.flags.get(str(value).strip().lower())
        if found is None:
            raise self.refuse(name, "must be a boolean")
        return found

    def integer(self, name: str, default: int, *, low: int | None = None, high: int | None = None) -> int:
        """An integer within [low, high]; a value out of range or not a number is refused."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        if isinstance(value, bool | float):
            raise self.refuse(name, "must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.refuse(name, "must be an integer") from None
        if low is not None and number < low:
            raise self.refuse(name, f"must be at least {low}")
        if high is not None and number > high:
            raise self.refuse(name, f"must be at most {high}")
        return number

    def enum(self, name: str, choices: Sequence[E], default: E | None = None) -> E:
        """One of `choices` (exactly as the vendor spells them); anything else is refused."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if default is None:
                raise self.refuse(name, "is required")
            return default
        for choice in choices:
            if value == choice:
                return choice
        raise self.refuse(name, f"must be one of {', '.join(choices)}")

    def obj(self, name: str, *, required: bool = False) -> dict[str, Any]:
        """A JSON object value ({} when absent)."""
        value = self._values.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise self.refuse(name, "is required")
            return {}
        if not isinstance(value, dict):
            raise self.refuse(name, "must be an object")
        return value
