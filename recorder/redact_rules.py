"""Redaction rules: the built-in ones for Okta, Jira, Slack and generic credentials, and a YAML
file that extends them; plus the HMAC key that keeps pseudonyms consistent across a trace set."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

KEY_ENV = "TWINS_REDACT_KEY"

HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-okta-session-token",
    "x-slack-signature",  # an HMAC of the body under the signing secret
    "x-atlassian-token-secret",
)
FIELDS = (
    "password",
    "passwd",
    "client_secret",
    "clientsecret",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "api_key",
    "apikey",
    "api_token",
    "secret",
    "signing_secret",
    "private_key",
    "client_assertion",
    "code",
    "code_verifier",
    "sessiontoken",
    "statetoken",
    "recoverytoken",
    "activationtoken",
    "passcode",
    "answer",
    "sharedsecret",
    "webhook_secret",
    "incoming_webhook_url",
)
# A pattern that starts with a literal is searched for that literal first; `\bLIT` would hide it,
# so the word boundary is asserted after the literal instead (`LIT(?<!\wLIT)`, the same matches):
# on a text without a match that is one fast scan instead of an attempt at every position.
PATTERNS = (
    r"xox(?<!\wxox)[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]{6,}",  # Slack bot/user/app/refresh tokens
    r"xapp-(?<!\wxapp-)[A-Za-z0-9-]{6,}",
    r"eyJ(?<!\weyJ)[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",  # JWT (JWS compact)
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
    r"(?i)\b(?:SSWS\s*|(?:Bearer|Basic|Token)\s+)(?P<secret>[A-Za-z0-9._~+/=\-]{8,})",  # SSWS<token> too
    r"00(?<!\w00)[A-Za-z0-9_-]{40}\b",  # Okta API token
    r"https://hooks\.slack\.com/(?:services|workflows)/(?P<secret>[A-Za-z0-9/_-]+)",
    r"ATATT(?<!\wATATT)[A-Za-z0-9_=-]{20,}",  # Atlassian API token
)
# Literals (lower case) a text must contain one of for the pattern to be tried: most texts skip most.
HINTS: dict[str, tuple[str, ...]] = dict(
    zip(
        PATTERNS,
        (
            ("xox",),
            ("xapp-",),
            ("eyj",),
            ("private key",),
            ("ssws", "bearer", "basic", "token"),
            ("00",),
            ("hooks.slack.com",),
            ("atatt",),
        ),
        strict=True,
    )
)
# Patterns every match of which starts with one of its hints, and which the regex engine cannot
# find by a literal prefix (case-insensitive): tried only where a hint occurs, not at every offset.
LEADING = frozenset({PATTERNS[4]})
KEEP_PREFIXES = ("xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxr-", "xoxs-", "xapp-", "00")
AUTH_SCHEMES = ("ssws", "bearer", "basic", "token", "digest", "jwt")


class RulesError(ValueError):
    """A rules file that cannot be used: names the file and the problem."""


@dataclass(frozen=True)
class Rules:
    """What to redact: header names, field names (query, form, JSON, multipart), text patterns."""

    headers: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    keep_prefixes: tuple[str, ...] = ()
    auth_schemes: tuple[str, ...] = AUTH_SCHEMES
    keep_emails: tuple[str, ...] = ()
    emails: bool = True
    min_secret_length: int = 4
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def builtin(cls) -> Rules:
        """The rules every trace gets unless a rules file says `extends: none`."""
        return cls(
            headers=HEADERS, fields=FIELDS, patterns=PATTERNS, keep_prefixes=KEEP_PREFIXES
        ).with_compiled()

    def with_compiled(self) -> Rules:
        return replace(self, _compiled=tuple(re.compile(p) for p in self.patterns))

    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return self._compiled

    def hints(self) -> tuple[tuple[str, ...], ...]:
        """Per pattern, lower-case literals one of which each match contains ("" = always try it)."""
        return tuple(HINTS.get(pattern, ("",)) for pattern in self.patterns)

    def leading(self) -> tuple[bool, ...]:
        """Per pattern, whether each match starts where one of its hints occurs (`LEADING`)."""
        return tuple(pattern in LEADING for pattern in self.patterns)

    @classmethod
    def load(cls, path: Path) -> Rules:
        """Rules from a YAML file: `extends`, `headers`, `fields`, `patterns`, `keep_prefixes`,
        `keep_emails`, `emails`."""
        try:
            doc: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RulesError(f"{path}: cannot read the rules ({exc})") from exc
        if not isinstance(doc, dict):
            raise RulesError(f"{path}: expected a mapping (headers:, fields:, patterns:)")
        unknown = set(doc) - {
            "extends",
            "headers",
            "fields",
            "patterns",
            "keep_prefixes",
            "keep_emails",
            "emails",
        }
        if unknown:
            raise RulesError(f"{path}: unknown keys {sorted(unknown)}")
        extends = doc.get("extends", "builtin")
        if extends not in ("builtin", "none"):
            raise RulesError(f"{path}: extends must be 'builtin' or 'none', not {extends!r}")
        base = cls.builtin() if extends == "builtin" else cls()
        lists = {key: _strings(path, doc, key) for key in ("headers", "fields", "patterns", "keep_prefixes")}
        for pattern in lists["patterns"]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RulesError(f"{path}: pattern {pattern!r} is not a regular expression ({exc})") from exc
        emails = doc.get("emails", base.emails)
        if not isinstance(emails, bool):
            raise RulesError(f"{path}: emails must be true or false")
        return replace(
            base,
            headers=base.headers + tuple(h.lower() for h in lists["headers"]),
            fields=base.fields + tuple(f.lower() for f in lists["fields"]),
            patterns=base.patterns + lists["patterns"],
            keep_prefixes=base.keep_prefixes + lists["keep_prefixes"],
            keep_emails=tuple(e.lower() for e in _strings(path, doc, "keep_emails")),
            emails=emails,
        ).with_compiled()


def _strings(path: Path, doc: dict[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulesError(f"{path}: {key} must be a list of strings")
    return tuple(value)


def key_path() -> Path:
    """Where the default pseudonym key lives: outside any trace folder, readable by its owner only."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "twins" / "redact.key"


@cache
def _default_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def redaction_key(explicit: str | None = None) -> bytes:
    """The HMAC key: `explicit`, else TWINS_REDACT_KEY, else a key file made once per user."""
    if explicit:
        return explicit.encode()
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    return _default_key(key_path())
