"""Redaction of secrets and personal data in exchanges, before anything is written to disk.

Secrets are found two ways: by *where* they are (a header, query, form, JSON or multipart field
named like a credential) and by *what* they look like (Slack tokens, JWTs, PEM keys,
`SSWS`/`Bearer`/`Basic` credentials, e-mail addresses). Every value found is replaced by a
pseudonym derived with a keyed HMAC, so the same secret maps to the same placeholder across a
trace set, and then scrubbed from every other text of the exchange it leaked into.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from recorder.redact_rules import Rules
from recorder.trace import Body, Exchange
from recorder.wire import (
    content_type,
    edit_form,
    edit_json,
    edit_multipart,
    edit_query,
)

# The local part is matched possessively (`++`): it cannot contain "@", so giving characters back
# never helps, and without backtracking a long run of letters costs one pass instead of many.
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]++@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
AUTH_SCHEME = re.compile(r"^(?P<scheme>(?i:ssws)|\S+)(?P<sep>\s*)(?P<secret>\S.*)$")
PSEUDO_DOMAIN = "example.invalid"
SEPARATOR = "\x00"
NAMES_KEPT = 1024  # header names remembered
# Non-ASCII letters that match an ASCII one ignoring case: dotted I, dotless i, long s, Kelvin sign.
FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
ALREADY = re.compile(r"REDACTED-[0-9a-f]{12}|^user-[0-9a-f]{10}@example\.invalid$")


Known = tuple[dict[str, str], list[str], re.Pattern[str] | None]


class Redactor:
    """Scrubs exchanges in place with consistent, keyed pseudonyms."""

    def __init__(self, key: bytes, rules: Rules | None = None) -> None:
        self._key = key
        self.rules = rules or Rules.builtin()
        self._headers = {name.lower() for name in self.rules.headers}
        self._fields = {name.lower() for name in self.rules.fields}
        self._quoted_fields = tuple(f'"{name}"' for name in self._fields)
        self._quote_free = not any('"' in name for name in self._fields)
        self._header_names: dict[str, str] = {}  # header name as sent -> lower case if a credential
        rules = self.rules
        self._patterns = tuple(zip(rules.compiled(), rules.hints(), rules.leading(), strict=True))
        self._known_sets: dict[tuple[tuple[str, str], ...], Known] = {}
        self._seen: dict[str, str] = {}
        self.redacted = 0

    def pseudonym(self, secret: str, kind: str = "secret") -> str:
        """The placeholder of `secret`: stable for one key, unrelated to the secret without it."""
        known = self._seen.get(secret)
        if known is not None:
            return known
        if ALREADY.search(secret):
            return secret
        digest = hmac.new(self._key, f"{kind}\0{secret}".encode(), hashlib.sha256).hexdigest()[:12]
        if kind == "email":
            fake = f"user-{digest[:10]}@{PSEUDO_DOMAIN}"
        else:
            prefix = next((p for p in self.rules.keep_prefixes if secret.startswith(p)), "")
            fake = f"{prefix}REDACTED-{digest}"
        self._seen[secret] = fake
        self._seen[fake] = fake
        self.redacted += 1
        return fake

    def exchange(self, exchange: Exchange) -> Exchange:
        """Redact `exchange` in place (and return it): structure first, then every text. Only
        what changed is assigned back; an exchange without secrets keeps its own objects."""
        found: dict[str, str] = {}
        request, response = exchange.request, exchange.response
        edit = self._field_editor(found)
        url = edit_query(request.url, edit)
        request_headers = self._header_pairs(request.headers, found)
        response_headers = self._header_pairs(response.headers, found)
        bodies = [
            self._body(request.body, request_headers, edit),
            self._body(response.body, response_headers, edit),
        ]
        scrub = self._scrubber(found)
        # The URL and every header value are scrubbed as one text, split by NUL (no header holds one).
        texts = [url, *(v for _, v in request_headers), *(v for _, v in response_headers)]
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) != len(texts) - 1:
            texts = [scrub(text) for text in texts]
            changed = True
        else:
            scrubbed = scrub(joined)
            changed = scrubbed != joined
            if changed:
                texts = scrubbed.split(SEPARATOR)
        if changed:
            url = texts[0]
            cut = 1 + len(request_headers)
            request_headers = _with_values(request_headers, texts[1:cut])
            response_headers = _with_values(response_headers, texts[cut:])
        if url != request.url:
            request.url = url
        if request_headers is not request.headers:
            request.headers = request_headers
        if response_headers is not response.headers:
            response.headers = response_headers
        request_body, response_body = (_scrubbed(body, scrub) for body in bodies)
        if request_body is not request.body:
            request.body = request_body
        if response_body is not response.body:
            response.body = response_body
        return exchange

    def _field_editor(self, found: dict[str, str]) -> Callable[[str, str], str]:
        def edit(name: str, value: str) -> str:
            if name.lower() in self._fields and value and self._seen.get(value) != value:
                fake = self.pseudonym(value)
                found[value] = fake
                return fake
            if self.rules.emails and EMAIL.fullmatch(value):
                return self._email(value)
            return value

        return edit

    def _header_pairs(self, pairs: list[tuple[str, str]], found: dict[str, str]) -> list[tuple[str, str]]:
        """`pairs` with credential headers pseudonymised (the same list when there are none)."""
        out = pairs
        names = self._header_names
        for index, (name, value) in enumerate(pairs):
            lname = names.get(name)
            if lname is None:  # a new name: remember its lower case, or "" if it holds no credential
                if len(names) >= NAMES_KEPT:
                    names.clear()
                lname = names[name] = name.lower() if name.lower() in self._headers else ""
            if lname and value:
                if out is pairs:
                    out = list(pairs)
                out[index] = (name, self._header_value(lname, value, found))
        return out

    def _header_value(self, name: str, value: str, found: dict[str, str]) -> str:
        if name in ("cookie", "set-cookie"):
            return self._cookies(value, found)
        match = AUTH_SCHEME.match(value)
        if match and match["scheme"].lower() in self.rules.auth_schemes:
            secret = match["secret"].strip()
            found[secret] = self.pseudonym(secret)
            return f"{match['scheme']}{match['sep']}{found[secret]}"
        found[value] = self.pseudonym(value)
        return found[value]

    def _cookies(self, value: str, found: dict[str, str]) -> str:
        parts = []
        for index, part in enumerate(value.split(";")):
            name, eq, secret = part.partition("=")
            is_attribute = index > 0 and name.strip().lower() in COOKIE_ATTRIBUTES
            if eq and secret.strip() and not is_attribute:
                found[secret.strip()] = self.pseudonym(secret.strip())
                part = f"{name}={found[secret.strip()]}"
            parts.append(part)
        return ";".join(parts)

    def _body(self, body: Body, headers: list[tuple[str, str]], edit: Callable[[str, str], str]) -> Body:
        """`body` with its named fields (JSON, form, multipart) edited; itself when none changed."""
        if not body.text:
            return body
        raw_kind = content_type(headers)
        kind = raw_kind.lower()
        text, binary = _as_text(body)
        edited = text
        if ("json" in kind or text.lstrip()[:1] in ("{", "[")) and self._may_name_a_field(text):
            edited = edit_json(edited, edit)
        if "x-www-form-urlencoded" in kind:
            edited = edit_form(edited, edit)
        if "multipart/form-data" in kind:
            edited = edit_multipart(edited, raw_kind, edit)
        if edited == text and body.encoding == "utf-8":
            return body
        return _from_text(edited, binary)

    def _may_name_a_field(self, text: str) -> bool:
        """False only when no JSON key can be a secret field: then walking the document could
        change nothing but e-mail addresses, which the scrubber replaces in place anyway."""
        if "\\u" in text:  # a \u escape could spell a key or an address: take the certain path
            return True
        lowered = text.lower()
        if self._quote_free:  # `"name"` occurs exactly when a run between two quotes is `name`
            return not self._fields.isdisjoint(lowered.split('"')[1:-1])
        return any(quoted in lowered for quoted in self._quoted_fields)

    def _scrubber(self, found: dict[str, str]) -> Callable[[str], str]:
        """Replace every known secret (raw, URL- and JSON-escaped) and every pattern match."""
        variants, ordered, known = self._known(found)
        patterns, emails, replace = self._patterns, self.rules.emails, self._replace_match

        def scrub(text: str) -> str:
            if known is not None and any(form in text for form in ordered):
                text = known.sub(lambda m: variants[m.group(0)], text)
            lowered = text.lower()
            current: str | None = lowered  # the lower case of `text` as it is now (None: changed)
            for pattern, hints, leading in patterns:
                for hint in hints:
                    if hint in lowered:
                        if leading and current is None:
                            current = text.lower()
                        if leading and current is not None and _same_offsets(text, current):
                            new = _sub_at_hints(pattern, replace, text, current, hints)
                        else:
                            new = pattern.sub(replace, text)
                        if new != text:
                            text, current = new, None
                        break
            if emails and "@" in text:
                text = EMAIL.sub(lambda m: self._email(m.group(0)), text)
            return text

        return scrub

    def _known(self, found: dict[str, str]) -> Known:
        """The spellings of the secrets `found` (raw, URL- and JSON-escaped) mapped to their
        pseudonyms, longest first, and one regex of them all; remembered per set of secrets."""
        key = tuple(found.items())
        known = self._known_sets.get(key)
        if known is not None:
            return known
        variants: dict[str, str] = {}
        for secret, fake in key:
            if len(secret) < self.rules.min_secret_length or secret == fake:
                continue
            for form in (secret, quote(secret, safe=""), quote_plus(secret), _json_escaped(secret)):
                variants[form] = fake
        ordered = sorted(variants, key=len, reverse=True)
        regex = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        if len(self._known_sets) >= NAMES_KEPT:
            self._known_sets.clear()
        known = self._known_sets[key] = (variants, ordered, regex)
        return known

    def _replace_match(self, match: re.Match[str]) -> str:
        groups = match.groupdict()
        secret = groups.get("secret")
        if secret is None:
            return self.pseudonym(match.group(0))
        start, end = match.span("secret")
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + self.pseudonym(secret) + whole[end - offset :]

    def _email(self, address: str) -> str:
        if address.endswith("@" + PSEUDO_DOMAIN) or address.lower() in self.rules.keep_emails:
            return address
        return self.pseudonym(address.lower(), "email")


COOKIE_ATTRIBUTES = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority", "partitioned"}
)


def _with_values(pairs: list[tuple[str, str]], values: list[str]) -> list[tuple[str, str]]:
    """`pairs` with `values` as their values; the same list when no value differs."""
    if all(value == new for (_, value), new in zip(pairs, values, strict=True)):
        return pairs
    return [(name, new) for (name, _), new in zip(pairs, values, strict=True)]


def _scrubbed(body: Body, scrub: Callable[[str], str]) -> Body:
    """`body` after `scrub`: itself when a text body did not change."""
    if body.encoding == "utf-8":
        text = scrub(body.text)
        return body if text == body.text else Body(text=text)
    text, binary = _as_text(body)
    return _from_text(scrub(text), binary)


def _as_text(body: Body) -> tuple[str, bool]:
    """A body as text: binary bodies byte for byte as Latin-1, so patterns still find secrets."""
    if body.encoding == "base64":
        return body.to_bytes().decode("latin-1"), True
    return body.text, False


def _from_text(text: str, binary: bool) -> Body:
    return Body.from_bytes(text.encode("latin-1")) if binary else Body(text=text)


def _same_offsets(text: str, lowered: str) -> bool:
    """Whether an offset in `lowered` is the same character's in `text`, and no character outside
    ASCII matches an ASCII letter case-insensitively (`FOLDS_TO_ASCII`)."""
    return text.isascii() or (len(lowered) == len(text) and FOLDS_TO_ASCII.search(text) is None)


def _sub_at_hints(
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
    text: str,
    lowered: str,
    hints: tuple[str, ...],
) -> str:
    """`pattern.sub(replace, text)` for a pattern whose matches start where a hint occurs: the
    pattern is tried at those offsets only, leftmost first, never inside a previous match."""
    starts: set[int] = set()
    for hint in hints:
        at = lowered.find(hint)
        while at >= 0:
            starts.add(at)
            at = lowered.find(hint, at + 1)
    out: list[str] = []
    end = 0
    for start in sorted(starts):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            out += (text[end:start], replace(match))
            end = match.end()
    if not out:
        return text
    out.append(text[end:])
    return "".join(out)


def _json_escaped(secret: str) -> str:
    return secret.replace("\\", "\\\\").replace('"', '\\"').replace("/", "\\/")
