"""Inference: a service model from recorded exchanges (and an optional OpenAPI spec).

Deterministic and offline. Endpoints are templated (`agent_runner.paths`), then each is given a
kind from where it sits (a collection, an item, an action under an item, a fixed document) and
from what the recordings show; resources learn their key field, id alphabet, server-made fields
and timestamps from their creates, actions the status they set from the reads that follow them
(`agent_runner.sequences`), and every endpoint its shapes, filters and errors.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from agent_runner import clients, deployments, sequences
from agent_runner.conventions import (
    Recording,
    auth_schemes,
    error_style,
    fields_in,
    pagination,
    variants,
)
from agent_runner.defaults import echoes_all, learn_defaults
from agent_runner.derived import learn_derived
from agent_runner.distinct import distinct_seeds
from agent_runner.echoes import learn_echoes
from agent_runner.eras import learn_eras
from agent_runner.kinds import learn_kinds
from agent_runner.lists import implied_lists
from agent_runner.members import learn_members
from agent_runner.model import Example, Operation, Resource, ServiceModel
from agent_runner.moved import learn_moved, unmoved
from agent_runner.parents import learn_by_parent
from agent_runner.paths import SpecPaths, Templater, collection_of, params, singular, split, values
from agent_runner.preexisting import learn_preexisting
from agent_runner.shapes import learn
from agent_runner.spawns import learn_spawns
from agent_runner.versions import learn_versions
from agent_runner.volatile import learn_volatile
from agent_runner.worlds import learn_listed
from recorder.trace import Exchange
from twins.kit.clients import client_of
from twins.kit.worlds import PAGER_PARAMS

WRITES = ("POST", "PUT", "PATCH")


def body_of(text: str) -> Any:
    """The JSON of a body; None when it is empty or not JSON."""
    if not text or text[0] not in "[{":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass
class Seen:
    """One exchange as inference reads it."""

    session: str
    index: int
    method: str
    template: str
    path: str
    query: list[tuple[str, str]]
    status: int
    request: Any
    response: Any
    text: str
    host: str
    content_type: str
    link: str
    authorized: bool
    ts: str = ""  # when it was recorded (ISO 8601), "" when not known
    location: str = ""  # a redirect's `Location`
    client: dict[str, Any] = field(default_factory=dict)  # `twins.kit.clients.client_of`
    raw: bool = False  # the request sent a body that is not JSON (a file's bytes)

    def example(self) -> Example:
        return Example(
            status=self.status,
            path=self.path,
            response=self.response,
            text=self.text,
            request=self.request,
            host=self.host,
            content_type=self.content_type,
        )


@dataclass
class Endpoint:
    method: str
    template: str
    seen: list[Seen] = field(default_factory=list)

    @property
    def ok(self) -> list[Seen]:
        return [s for s in self.seen if 200 <= s.status < 300]


def read_exchanges(recordings: Sequence[Recording], templater: Templater) -> list[Seen]:
    out: list[Seen] = []
    for name, exchanges in recordings:
        for i, exchange in enumerate(exchanges):
            url = urlsplit(exchange.request.url)
            headers = {k.lower(): v for k, v in exchange.response.headers}
            sent = {k.lower(): v for k, v in exchange.request.headers}
            out.append(
                Seen(
                    session=name,
                    index=i,
                    method=exchange.request.method.upper(),
                    template=templater.template(url.path),
                    path=url.path,
                    query=parse_qsl(url.query, keep_blank_values=True),
                    status=exchange.response.status,
                    request=body_of(exchange.request.body.text),
                    response=(response := body_of(exchange.response.body.text)),
                    text=_text(exchange, response),
                    host=f"{url.scheme}://{url.netloc}",
                    content_type=headers.get("content-type", ""),
                    link=headers.get("link", ""),
                    authorized=exchange.header("request", "authorization") is not None,
                    ts=exchange.ts,
                    location=headers.get("location", ""),
                    client=client_of(sent),
                    raw=bool(exchange.request.body.text.strip())
                    and body_of(exchange.request.body.text) is None,
                )
            )
    return out


def _text(exchange: Exchange, parsed: Any) -> str:
    """A body kept as text: not JSON, not binary, not huge."""
    body = exchange.response.body
    if parsed is not None or body.encoding != "utf-8" or len(body.text) > 65536:
        return ""
    return body.text


def op_name(method: str, template: str, kind: str) -> str:
    """A readable handler name: `create_user`, `list_user_roles`, `activate_user`, `get_user_risk`."""
    segments = [s for s in split(template) if not re.match(r"^(api|v\d+(\.\d+)?|rest|latest|lifecycle)$", s)]
    words: list[str] = []
    for i, segment in enumerate(segments):
        if segment.startswith("{"):
            continue
        follows = i + 1 < len(segments) and segments[i + 1].startswith("{")
        words.append(
            singular(segment) if follows or (kind == "create" and i == len(segments) - 1) else segment
        )
    if kind == "action" and words:
        words = [words[-1], *words[:-1]]
        verb = ""
    else:
        verb = {"create": "create", "read": "get", "list": "list", "delete": "delete"}.get(kind, "")
        verb = verb or {"GET": "get", "PUT": "replace", "PATCH": "update", "POST": "update"}.get(
            method, "call"
        )
    base = "_".join([verb, *words[-4:]] if verb else words[:1] + words[1:][-3:])
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base)
    return re.sub(r"\W+", "_", base).strip("_").lower() or "op"


def classify(endpoints: dict[tuple[str, str], Endpoint]) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, resource collection) per endpoint."""
    items = {t for (_m, t) in endpoints if collection_of(t) is not None}
    collections = {collection_of(t) for t in items}
    collections |= {
        t
        for (m, t), ep in endpoints.items()
        if m == "GET" and any(isinstance(s.response, list) for s in ep.ok)
    }
    kinds: dict[tuple[str, str], tuple[str, str]] = {}
    for (method, template), ep in endpoints.items():
        ok = ep.ok
        if template in items:
            coll = collection_of(template) or ""
            kind = {"GET": "read", "DELETE": "delete"}.get(method, "update")
            kinds[(method, template)] = (kind, coll)
        elif template in collections:
            listing = (method == "GET" and any(isinstance(s.response, list | dict) for s in ok)) or not ok
            kind = "list" if method == "GET" and listing else "create" if method == "POST" else "static"
            kinds[(method, template)] = (kind, template)
        else:
            owner = owner_item(template, items)
            lifecycle = method in (*WRITES, "DELETE") and "lifecycle" in template
            posted = method == "POST" and not any(isinstance(s.response, list) for s in ok)
            readable = ("GET", template) in endpoints  # a document of the item, not an action
            if owner is not None and (lifecycle or (posted and not readable)):
                kinds[(method, template)] = ("action", collection_of(owner) or "")
            elif method == "GET" and any(isinstance(s.response, list) for s in ok):
                kinds[(method, template)] = ("list", template)
            elif readable or not params(template) or method in ("GET", "PUT", "PATCH", "DELETE"):
                kinds[(method, template)] = ("singleton", template)
            else:
                kinds[(method, template)] = ("static", "")
    return kinds


def owner_item(template: str, items: Iterable[str]) -> str | None:
    """The item path an action hangs under: `/users/{userId}` for `/users/{userId}/lifecycle/x`."""
    best = None
    for item in items:
        if template.startswith(item + "/") and (best is None or len(item) > len(best)):
            best = item
    return best


def infer(
    name: str,
    recordings: Sequence[Recording],
    spec_paths: Iterable[str] = (),
    *,
    progress: Callable[[int], None] | None = None,
) -> ServiceModel:
    """The model of the service the recordings talk to."""
    paths = [urlsplit(e.request.url).path for _, items in recordings for e in items]
    templater = Templater(paths, SpecPaths.of(spec_paths))
    seen = read_exchanges(recordings, templater)
    endpoints: dict[tuple[str, str], Endpoint] = {}
    for s in seen:
        endpoints.setdefault((s.method, s.template), Endpoint(s.method, s.template)).seen.append(s)
    kinds = classify(endpoints)
    model = ServiceModel(name=name, title=name.replace("-", " ").title(), exchanges=len(seen))
    model.sources = [n for n, _ in recordings]
    model.auth = auth_schemes(recordings)
    model.hosts = sorted({s.host for s in seen})
    model.style, model.errors = error_style(seen)
    model.pagination, model.items_key = pagination(seen)
    resources: dict[str, Resource] = {}
    for (_method, template), (kind, coll) in kinds.items():
        if kind in ("read", "update", "delete") and coll not in resources:
            item = template
            resources[coll] = Resource(collection=coll, param=params(item)[-1])
    for kind, coll in kinds.values():
        if kind == "create" and coll not in resources:  # created into, never read by key
            resources[coll] = Resource(collection=coll, param=f"{singular(split(coll)[-1])}Id")
    for res in resources.values():
        parent = collection_of("/" + "/".join(split(res.collection)[:-1]))
        res.parent = parent if parent in resources else ""
    names: Counter[str] = Counter()
    done = 0
    for (method, template), ep in sorted(endpoints.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        kind, coll = kinds[(method, template)]
        op = build_operation(method, template, kind, coll, ep, names)
        model.operations.append(op)
        done += len(ep.seen)
        if progress is not None:
            progress(len(ep.seen))
    implied_lists(model, resources, names, op_name)
    public_reads(model, seen)
    sequences.learn_resources(model, resources, seen, kinds)
    learn_preexisting(resources, seen, kinds)
    learn_moved(resources, seen, kinds)
    learn_kinds(resources, seen, kinds)
    learn_echoes(resources, seen, kinds)
    learn_members(resources, seen, kinds)
    learn_spawns(resources, seen, kinds)
    learn_derived(resources, seen, kinds)
    learn_by_parent(model, resources, seen, kinds)
    model.resources = resources
    model.seed = unmoved(distinct_seeds(sequences.seeds(model, seen, kinds), seen), resources)
    model.volatile = learn_volatile(seen)
    model.listed = learn_listed(seen, kinds)
    model.versions = learn_versions(model.seed, seen, kinds, resources)
    return model


def build_operation(
    method: str, template: str, kind: str, coll: str, ep: Endpoint, names: Counter[str]
) -> Operation:
    ok = ep.ok
    base = op_name(method, template, kind)
    names[base] += 1
    name = base if names[base] == 1 else f"{base}_{names[base]}"
    statuses = Counter(s.status for s in ok)
    op = Operation(method=method, path=template, kind=kind, name=name, resource=coll, count=len(ep.seen))
    if not ok:
        op.kind = "static" if kind not in ("read", "update", "delete", "action", "create") else kind
    op.status = statuses.most_common(1)[0][0] if statuses else 200
    best = [s for s in ok if s.status == op.status]
    if best:  # the richest request shows the most of how answers echo it
        richest = max(range(len(best)), key=lambda i: (fields_in(best[i].request), i))
        op.example = best[richest].example()
        kinds = variants(best) if method in WRITES else []
        fixed = kind == "singleton" and method == "GET" and not params(template)
        agreed = deployments.consensus(best) if fixed else None
        if agreed is not None:
            op.example.response = agreed
        if method == "GET" and kind in ("singleton", "static", "list") and not params(template):
            kinds = clients.fixed_variants(best)
        op.variants = [v.example for v in kinds]
        learn_eras(op, best, richest, kinds)
    op.shapes = [] if op.variants and method == "GET" else clients.answer_shapes(ok)
    for s in ep.seen:
        if s.status >= 400:
            op.errors[str(s.status)] = s.example()
        if s.request is not None:
            op.request = learn(op.request, s.request)
        if 200 <= s.status < 300 and s.response is not None:
            op.response = learn(op.response, s.response)
        if s.link or (isinstance(s.response, list) and s.method == "GET"):
            op.paged = op.paged or bool(s.link)
    op.when = conditions(ok) if kind in ("create", "action") else {}
    op.defaults = learn_defaults(best) if kind == "create" else {}
    op.adds = kind == "update" and echoes_all(best)
    op.raw = bool(ok) and all(s.raw for s in ok)  # an upload: its body is bytes, not JSON
    op.anonymous = any(not s.authorized for s in ok)  # the vendor answered without credentials
    op.filters = sorted({k for s in ep.seen for k, _ in s.query} - PAGER_PARAMS)
    return op


def public_reads(model: ServiceModel, seen: Sequence[Seen]) -> None:
    """A service that answers reads without credentials (GitHub's public repositories) far more
    often than it refuses them: every read is answered so, but those it was seen refusing."""
    anonymous = [s for s in seen if s.method == "GET" and not s.authorized]
    answered = sum(200 <= s.status < 400 for s in anonymous)
    refused = {s.template for s in anonymous if s.status in (401, 403)}
    if answered < max(10, 4 * sum(s.status in (401, 403) for s in anonymous)):
        return
    for op in model.operations:
        if op.method == "GET" and op.path not in refused:
            op.anonymous = True


def conditions(ok: Sequence[Seen]) -> dict[str, dict[str, Any]]:
    """Query parameters that decide a field of the answer (`activate=false` -> status STAGED):
    the usual value after each value of the parameter, when they differ."""
    by_param: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    names = {n for e in ok for n, _ in e.query} - PAGER_PARAMS
    for s in ok:
        if not isinstance(s.response, dict):
            continue
        query = dict(s.query)
        for f in sequences.STATUS_FIELDS:
            value = s.response.get(f)
            if isinstance(value, str):
                for name in names:
                    by_param[f"{f}:{name}"][query.get(name, "")][value] += 1
    out: dict[str, dict[str, Any]] = {}
    for key, seen_values in by_param.items():
        f, name = key.split(":", 1)
        usual = {value: found.most_common(1)[0][0] for value, found in seen_values.items()}
        if len(set(usual.values())) < 2:  # the parameter decides nothing
            continue
        for value, result in usual.items():
            out.setdefault(f"{name}={value}", {})[f] = result
    return out


def path_value(s: Seen, template: str, param: str) -> str:
    return values(template, s.path).get(param, "")
