"""Sealed suites: every scenario file of a directory encrypted into one Fernet token (AES-128-CBC +
HMAC-SHA256) with the key in `TWINS_HOLDOUT_KEY`; opened in memory only, never written back."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from holdout.scenario import Scenario, ScenarioError, parse_suite, read_dir

KEY_ENV = "TWINS_HOLDOUT_KEY"
FORMAT = "twins-holdout-suite"
VERSION = 1


class SealError(ValueError):
    """No key, a wrong key, or a file that is not a sealed suite."""


def new_key() -> str:
    """A fresh key to keep in CI secrets as TWINS_HOLDOUT_KEY."""
    return Fernet.generate_key().decode()


def _fernet(key: str | None) -> Fernet:
    key = key or os.environ.get(KEY_ENV, "")
    if not key:
        raise SealError(f"set {KEY_ENV} to the suite's key (make one with `twins holdout keygen`)")
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise SealError(f"{KEY_ENV} is not a Fernet key (32 url-safe base64-encoded bytes)") from None


def seal(directory: Path, output: Path, key: str | None = None) -> int:
    """Validate then encrypt every scenario under `directory` into `output`; returns how many."""
    files = read_dir(directory)
    try:
        scenarios = parse_suite(files)
    except ScenarioError as exc:
        raise ScenarioError(str(directory / exc.file), exc.line, exc.message) from None
    payload = json.dumps({"format": FORMAT, "version": VERSION, "files": files}, sort_keys=True)
    output.write_bytes(_fernet(key).encrypt(payload.encode()))
    return len(scenarios)


def is_sealed(path: Path) -> bool:
    return path.is_file()


def open_sealed(path: Path, key: str | None = None) -> dict[str, str]:
    """The suite's {relative path: text}, decrypted in memory."""
    try:
        token = path.read_bytes()
    except OSError as exc:
        raise SealError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(_fernet(key).decrypt(token))
    except InvalidToken:
        raise SealError(f"{path}: wrong {KEY_ENV} or not a sealed suite") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SealError(f"{path}: not a sealed holdout suite")
    if data.get("version") != VERSION:
        raise SealError(f"{path}: sealed with format version {data.get('version')}; this engine reads 1")
    files = data.get("files")
    if not isinstance(files, dict):
        raise SealError(f"{path}: the sealed suite has no files")
    return {str(k): str(v) for k, v in files.items()}


def load_sealed(path: Path, key: str | None = None) -> list[Scenario]:
    """Scenarios of a sealed suite; an error names only the file inside the suite and the line."""
    return parse_suite(open_sealed(path, key))
