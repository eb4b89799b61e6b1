"""Read any supported recording (HAR, vcrpy, go-vcr, Ruby VCR, JSONL trace) as exchanges."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from recorder.classify import UNKNOWN, detect_service
from recorder.codec import fail
from recorder.har import from_har, har_entries
from recorder.trace import Exchange, TraceFormatError, read_jsonl
from recorder.vcr import from_govcr, from_ruby_vcr, from_vcrpy, vcr_flavour

FORMATS = ("har", "vcrpy", "go-vcr", "ruby-vcr", "betamax", "jsonl")
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
_JSON_SUFFIXES = frozenset({".har", ".json"})
_SUPPORTED = "a HAR 1.2 file, a vcrpy/go-vcr/Ruby VCR/Betamax cassette or a .jsonl trace"


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        fail(str(path), "no such file", "check the path")
    if path.is_dir():
        fail(str(path), "is a directory", "pass the recording files in it (e.g. DIR/*.yaml)")
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(str(path), f"cannot read ({exc.strerror})", "check the file's permissions")


def _parse_json(path: Path, data: bytes) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        fail(str(path), "not UTF-8 text", f"pass {_SUPPORTED}")
    except json.JSONDecodeError as exc:
        fail(
            str(path),
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "fix the file or export it again",
        )


def _parse_yaml(path: Path, data: bytes) -> Any:
    try:
        return yaml.load(data, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        fail(
            str(path),
            f"not valid YAML ({at}{exc.problem or exc.context or 'syntax error'})",
            "fix the YAML or re-record the cassette",
        )
    except yaml.YAMLError as exc:
        fail(str(path), f"not valid YAML ({exc})", "fix the YAML or re-record the cassette")


def _classify(path: Path, doc: Any) -> str:
    if doc is None:
        fail(str(path), "the file is empty", f"pass {_SUPPORTED}")
    if isinstance(doc, Mapping):
        if "log" in doc:
            return "har"
        flavour = vcr_flavour(doc)
        if flavour is not None:
            return flavour
    if path.suffix.lower() == ".har":
        har_entries(doc, str(path))  # raises the HAR-specific message
    fail(
        str(path),
        "not a recognised recording (no HAR log.entries, `interactions:` or "
        "`http_interactions:` at the top level)",
        f"pass {_SUPPORTED}",
    )


def _parse(path: Path) -> tuple[str, Any]:
    if path.suffix.lower() == ".jsonl":
        _read_bytes(path)  # missing file / directory checks with the usual message
        return "jsonl", None
    data = _read_bytes(path)
    is_json = path.suffix.lower() in _JSON_SUFFIXES
    doc = _parse_json(path, data) if is_json else _parse_yaml(path, data)
    return _classify(path, doc), doc


def detect_format(path: Path) -> str:
    """One of FORMATS for a file, from its extension and content; TraceFormatError otherwise."""
    return _parse(path)[0]


def _convert(path: Path, fmt: str, doc: Any) -> list[Exchange]:
    where = str(path)
    if fmt == "jsonl":
        return list(read_jsonl(path))
    if fmt == "har":
        return from_har(doc, where)
    if fmt == "go-vcr":
        return from_govcr(doc, where)
    if fmt in ("ruby-vcr", "betamax"):
        return from_ruby_vcr(doc, where)
    return from_vcrpy(doc, where)


def load_recording_as(path: Path, session: str | None = None) -> tuple[str, list[Exchange]]:
    """(format, exchanges) of a recording; see `load_recording` for what the exchanges hold."""
    fmt, doc = _parse(path)
    try:
        exchanges = _convert(path, fmt, doc)
    except TraceFormatError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        fail(str(path), f"malformed {fmt} recording ({exc})", "re-record or fix the file")
    name = session if session is not None else path.stem
    for seq, exchange in enumerate(exchanges):
        exchange.seq = seq
        if not exchange.session:
            exchange.session = name
        if exchange.service in ("", UNKNOWN):
            exchange.service = detect_service(exchange.request.url)
    return fmt, exchanges


def load_recording(path: Path, session: str | None = None) -> list[Exchange]:
    """Exchanges of any supported recording, seq = position, session = `session` or file stem.

    Service comes from the URL (see `recorder.classify`); bodies are decoded text (gzip undone)
    or base64 for binary. Sessions and services already in a JSONL trace or in a HAR written
    by `export_har` are kept. Anything unreadable raises a one-line TraceFormatError.
    """
    return load_recording_as(path, session)[1]


def session_names(paths: Sequence[Path]) -> dict[Path, str]:
    """A session name per file: its stem, widened with parent folders where stems collide."""
    names = {path: path.stem for path in paths}
    stems = Counter(names.values())
    colliding = [path for path in paths if stems[path.stem] > 1]
    depth = 2
    while colliding:
        candidates = {path: _tail(path, depth) for path in colliding}
        counts = Counter(candidates.values())
        longest = max(len(path.with_suffix("").parts) for path in colliding)
        unresolved = []
        for path in colliding:
            if counts[candidates[path]] == 1 or depth >= longest:
                names[path] = candidates[path]
            else:
                unresolved.append(path)
        colliding = unresolved
        depth += 1
    return names


def _tail(path: Path, depth: int) -> str:
    parts = path.with_suffix("").parts
    return "/".join(parts[-depth:])
