"""Replay one recording's request sequence on a fresh tenant, mapping recorded ids, cursors and
credentials to the twin's, and compare every answer with the recorded one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

import httpx

from recorder.normalize import parse_json
from recorder.parity.profile import Credential, Profile
from recorder.parity.session import Session
from recorder.parity.text import same_text
from recorder.parity.values import Comparison, Difference, compare, is_id_key, replace_id, volatile_kind
from recorder.parity.world import at_recorded_time, prime
from recorder.trace import Exchange

# What the client said of itself goes to the twin as recorded: a twin may answer as the service
# answered that kind of client (its version, the deployment it talked to).
FORWARDED_HEADERS = ("content-type", "accept", "user-agent")


@dataclass
class Step:
    """One replayed exchange: the recorded one, the twin's answer and how they differ."""

    exchange: Exchange
    endpoint: str
    status: int
    text: str
    differences: list[Difference]
    credential: Credential = Credential.VALID


@dataclass
class Replay:
    """The replay of one recording: the ids and cursors learnt so far, and what it shows of them."""

    session: Session
    profile: Profile
    exchanges: Sequence[Exchange]
    ids: dict[str, str] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_strings: set[str] = field(default_factory=set)
    headers: dict[Credential, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for exchange in self.exchanges:
            self._learn_objects(parse_json(exchange.response.body.text))

    def _learn_objects(self, value: Any) -> None:
        """Recorded id -> the first object shown with it, and every boolean fact shown of it."""
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                self.objects.setdefault(value["id"], value)
                known = self.facts.setdefault(value["id"], {})
                known.update({k: v for k, v in value.items() if isinstance(v, bool)})
            for item in value.values():
                self._learn_objects(item)
        elif isinstance(value, list):
            for item in value:
                self._learn_objects(item)

    async def run(self) -> list[Step]:
        needed = {self.profile.credential_class(e) for e in self.exchanges}
        self.headers = await self.profile.credentials(self.session, needed)
        if self.profile.prepare is not None:
            await self.profile.prepare(self)
        await at_recorded_time(self)
        if self.profile.prime_world:
            await prime(self)
        return [await self.step(exchange) for exchange in self.exchanges]

    async def rewrite(self, text: str, exchange: Exchange, *, url: bool = False) -> str:
        """Recorded ids and cursors in a URL or body replaced by the twin's; new ids resolved."""
        text = self._rewrite_url(text, exchange) if url else self._replace(text, self.ids)
        # Ids are looked for in the decoded text too: `%2CC0…` hides the second of a comma list.
        pattern = self.profile.id_in_text
        for found in sorted(set(pattern.findall(text)) | set(pattern.findall(unquote_plus(text)))):
            if found in self.ids.values() or self.profile.resolve is None:
                continue
            twin = await self.profile.resolve(self, found, exchange)
            if twin is not None:
                self.ids[found] = twin
                text = text.replace(found, twin)
        return text

    @staticmethod
    def _replace(text: str, ids: dict[str, str], *, url: bool = False) -> str:
        for recorded in sorted(ids, key=len, reverse=True):
            text = replace_id(text, recorded, ids[recorded])
            if not (url and recorded.startswith("http")):
                text = replace_id(text, quote(recorded, safe=""), quote(ids[recorded], safe=""))
        return text

    def _rewrite_url(self, url: str, exchange: Exchange) -> str:
        """The URL with recorded ids replaced; a short id (`2`) never in a path segment that the
        endpoint's template keeps as it is (the `2` of `/rest/api/2/`)."""
        urls = {k: v for k, v in self.ids.items() if k.startswith("http")}
        url = self._replace(url, urls, url=True)  # a URL an earlier answer handed out (an upload URL)
        parts = urlsplit(url)
        template = self.profile.endpoint(exchange).partition(" ")[2].split("/")
        segments = parts.path.split("/")
        if len(template) != len(segments):
            return self._replace(url, self.ids, url=True)
        long_ids = {k: v for k, v in self.ids.items() if len(k) >= 8 and not k.isdigit()}
        path = "/".join(
            self._replace(segment, self.ids if "{" in shape else long_ids, url=True)
            for segment, shape in zip(segments, template, strict=True)
        )
        rest = "&".join(
            f"{key}={self._replace(value, self.ids if _holds_id(key) else long_ids, url=True)}"
            if sep
            else key
            for key, sep, value in (pair.partition("=") for pair in parts.query.split("&"))
        )
        head = self._replace(f"{parts.scheme}://{parts.netloc}", long_ids, url=True) if parts.netloc else ""
        return (
            head
            + path
            + (f"?{rest}" if parts.query else "")
            + (f"#{parts.fragment}" if parts.fragment else "")
        )

    def learn_request(self, exchange: Exchange) -> None:
        """Remember the strings a request sets: an answer that echoes them must echo them exactly."""
        strings: list[str] = [v for _, v in parse_qsl(urlsplit(exchange.request.url).query)]
        body = exchange.request.body.text if exchange.request.body.encoding != "base64" else ""
        parsed = parse_json(body)
        if parsed is not None:
            strings += list(_leaves(parsed))
        elif "=" in body:
            strings += [v for _, v in parse_qsl(body)]
        self.request_strings |= {
            s for s in strings if len(s) > 1 and volatile_kind(s, self.profile.is_id) in (None, "url")
        }

    async def step(self, exchange: Exchange) -> Step:
        if self.profile.before is not None:
            await self.profile.before(self, exchange)
        endpoint = self.profile.endpoint(exchange)
        credential = self.profile.credential_class(exchange)
        if credential not in self.headers:
            missing = Difference("", "credential", credential.value)
            return Step(exchange, endpoint, 0, "", [missing], credential)
        response = await self._send(exchange, credential)
        self.learn_request(exchange)
        recorded, twin = parse_json(exchange.response.body.text), parse_json(response.text)
        found = self._compare(exchange, response, recorded, twin)
        if recorded is not None and twin is not None:
            pair_values(recorded, twin, self.ids, self.profile)
        return Step(exchange, endpoint, response.status_code, response.text, found, credential)

    async def _send(self, exchange: Exchange, credential: Credential) -> httpx.Response:
        request = exchange.request
        url = await self.rewrite(request.url, exchange, url=True)
        parts = urlsplit(url)
        base = self.session.base_url
        target = url if url.startswith(base) else parts.path + (f"?{parts.query}" if parts.query else "")
        if request.body.encoding == "base64":  # binary: sent as recorded
            content: bytes | None = request.body.to_bytes()
        else:
            content = (await self.rewrite(request.body.text, exchange)).encode("utf-8") or None
        headers = {k: v for k, v in request.headers if k.lower() in FORWARDED_HEADERS}
        headers.update(self.session.tenant_headers())
        headers.update(self.headers[credential])
        return await self.session.client.request(request.method, target, content=content, headers=headers)

    def _compare(
        self, exchange: Exchange, response: httpx.Response, recorded: Any, twin: Any
    ) -> list[Difference]:
        profile = self.profile
        cmp = Comparison(
            profile.is_id, self.ids, self.request_strings, profile.enum_keys, profile.number_keys
        )
        if exchange.response.status != response.status_code:
            cmp.add(Difference("", "status", exchange.response.status, response.status_code))
        text = exchange.response.body.text
        if recorded is None and not same_text(text, response.text, cmp):
            cmp.add(Difference("", "body", text[:80], response.text[:80]))
        elif recorded is not None:
            compare(recorded, twin, cmp)
        self._pair_cursors(exchange, response, recorded, twin, cmp)
        return cmp.found

    def _pair_cursors(
        self, exchange: Exchange, response: httpx.Response, recorded: Any, twin: Any, cmp: Comparison
    ) -> None:
        """Map each recorded next-page cursor to the twin's, as ids are; report a page that ends early."""
        theirs = self.profile.cursors(exchange.response.headers, recorded)
        ours = self.profile.cursors(list(response.headers.items()), twin)
        for index, cursor in enumerate(theirs):
            twin_cursor = ours[index] if index < len(ours) else ""
            if cursor and twin_cursor:
                self.ids.setdefault(cursor, twin_cursor)
            elif bool(cursor) != bool(twin_cursor):
                shown = ("a", "none") if cursor else ("none", "a")
                cmp.add(Difference("(next page)", "cursor", *shown))


# Query parameters that name a position or an object: a short id there is one (`since=12`).
POSITION_PARAMS = frozenset({"after", "before", "cursor", "page", "since", "startAt", "starting_after"})


def _holds_id(key: str) -> bool:
    name = unquote_plus(key)
    return name in POSITION_PARAMS or is_id_key(name) or name.endswith(("Key", "_key", "ids"))


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _leaves(item)]
    if isinstance(value, list):
        return [s for item in value for s in _leaves(item)]
    return [value] if isinstance(value, str) else []


def is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def natural_key(item: Any) -> str | None:
    """What names an object apart from its id: `name`, `label`, `profile.name` or `profile.login`."""
    if not isinstance(item, dict):
        return None
    profile: dict[str, Any] = item["profile"] if isinstance(item.get("profile"), dict) else {}
    for value in (item.get("name"), item.get("label"), profile.get("name"), profile.get("login")):
        if isinstance(value, str) and value:
            return value
    return None


def counterpart(recorded: Any, twin: list[Any], index: int) -> Any:
    """The twin list item to pair with a recorded one: the one of the same name, else the one at
    the same position (a listing of a fresh tenant need not hold the recorded items in order)."""
    key = natural_key(recorded)
    if key is not None:
        named = [t for t in twin if natural_key(t) == key]
        if named:
            return named[0]
    return twin[index] if index < len(twin) else None


def pair_values(recorded: Any, twin: Any, found: dict[str, str], profile: Profile, key: str = "") -> None:
    """Walk two bodies of the same shape; where both hold ids or URLs, remember recorded -> twin."""
    if isinstance(recorded, dict) and isinstance(twin, dict):
        for name, value in recorded.items():
            if name in twin:
                pair_values(value, twin[name], found, profile, str(name))
    elif isinstance(recorded, list) and isinstance(twin, list):
        for index, r_item in enumerate(recorded):
            t_item = counterpart(r_item, twin, index)
            if t_item is not None:
                pair_values(r_item, t_item, found, profile, key)
    elif is_number(recorded) and is_number(twin) and recorded != twin:
        if is_id_key(key) or key in profile.number_keys:
            found.setdefault(str(recorded), str(twin))
    elif isinstance(recorded, str) and isinstance(twin, str) and recorded != twin:
        both_ids = profile.is_id(recorded) and profile.is_id(twin)
        both_ids = both_ids and profile.id_kind(recorded) == profile.id_kind(twin)
        if both_ids or (_is_url(recorded) and _is_url(twin) and _is_site(recorded) == _is_site(twin)):
            found.setdefault(recorded, twin)


def _is_url(text: str) -> bool:
    return text.startswith("http")


def _is_site(url: str) -> bool:
    """A URL that names a whole site (`http://jira:8080/`): it pairs with a site, never with an
    object's URL, or every later request to the site would be rewritten to that object."""
    return urlsplit(url).path in ("", "/")
