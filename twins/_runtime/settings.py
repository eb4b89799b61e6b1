"""Settings of one twin process, from arguments and the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from twins._runtime.errors import ConfigError

RATE_LIMIT_MODES = ("real", "off", "strict")
_UNITS = {"": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


def parse_size(text: str) -> int:
    """Bytes from `16777216`, `512k`, `16MB` or `1g` (binary units); ValueError otherwise."""
    raw = text.strip().lower()
    digits = raw.rstrip("kmgb")
    unit = raw[len(digits) :]
    if not digits.isdigit() or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size; write bytes or a number with k, m or g (e.g. 16m)")
    return int(digits) * _UNITS[unit]


@dataclass
class Settings:
    """Everything `build_app` needs; nothing is read at import time."""

    db_url: str = ""
    data_dir: Path = field(default_factory=lambda: Path(".twins"))
    admin_token: str = ""
    admin_auth: bool = True
    default_tenant: str = "default"
    seed: int = 42
    seed_size: int = 1
    rate_limits: str = "real"
    journal_limit: int = 10_000  # exchanges kept per tenant ...
    journal_bytes: int = 64 * 1024 * 1024  # ... and at most this many bytes of bodies per tenant
    journal: bool = True
    shared: bool = False
    public_url: str = ""
    # Bytes of a request body; larger ones get a 413. Slack's Web API takes a few MB of arguments
    # at most and Okta's bodies are smaller; files go to Slack's upload URL, limited by max_upload.
    max_body: int = 16 * 1024 * 1024
    max_upload: int = 1024 * 1024 * 1024  # Slack's largest file
    cors_origins: list[str] = field(default_factory=list)  # origins sent CORS headers; none by default
    # Mixed into every tenant's ids and credentials, so that two installations never share them;
    # empty (as with an explicit --seed) lets the seed alone decide them, for reproducible tests.
    install_secret: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then `TWINS_*` variables, then explicit overrides (ignored when None)."""
        settings = cls(
            db_url=os.environ.get("TWINS_DATABASE_URL", ""),
            data_dir=Path(os.environ.get("TWINS_DATA_DIR", ".twins")),
            admin_token=os.environ.get("TWINS_ADMIN_TOKEN", ""),
            rate_limits=os.environ.get("TWINS_RATE_LIMITS", "real"),
            # Replicas: several processes, maybe on several machines, serving one database.
            shared=os.environ.get("TWINS_SHARED", "").strip().lower() in ("1", "true", "yes"),
            cors_origins=[
                o.strip().rstrip("/")
                for o in os.environ.get("TWINS_CORS_ORIGINS", "").split(",")
                if o.strip()
            ],
        )
        for name, key in (("TWINS_MAX_BODY", "max_body"), ("TWINS_MAX_UPLOAD", "max_upload")):
            if raw := os.environ.get(name, "").strip():
                try:
                    setattr(settings, key, parse_size(raw))
                except ValueError as exc:
                    raise ConfigError(f"{name}: {exc}") from None
        for key, value in overrides.items():
            if value is not None:
                setattr(settings, key, value)
        if not settings.admin_token:
            settings.admin_token = "twa_" + secrets.token_urlsafe(24)
        return settings

    def use_install_secret(self) -> None:
        """Take the installation's secret from the data folder, made on first use (kept there, so
        a restart keeps the credentials)."""
        self.install_secret = install_secret(self.data_dir)

    def database_url(self, service: str) -> str:
        """The SQLAlchemy URL: the given one, else a SQLite file under the data dir."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.data_dir / (service + '.db')}"


def origins(values: list[str]) -> list[str]:
    """Web origins as the CORS check compares them: trimmed, no trailing slash, blanks dropped."""
    return [value.strip().rstrip("/") for value in values if value.strip()]


INSTALL_SECRET_FILE = "install-secret"


def install_secret(data_dir: Path) -> str:
    """The secret in `data_dir/install-secret`, written there (readable by the owner only) if absent."""
    path = data_dir / INSTALL_SECRET_FILE
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret + "\n")
    return secret
