"""What sequences of exchanges show: a resource's key field and id alphabet, the fields a create
makes up, the timestamps a write sets, the status an action leaves behind (the next read of the
item says), and the documents that existed before the recording started (the seed)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner import readback
from agent_runner.effects import learn_effects
from agent_runner.links import status_links
from agent_runner.model import Example, Resource, Seed, ServiceModel
from agent_runner.paths import collection_of, values
from agent_runner.versions import with_more

if TYPE_CHECKING:
    from agent_runner.infer import Seen

STATUS_FIELDS = ("status", "state")
TOUCH_WORDS = ("update", "modified", "changed")


def _find(doc: Any, wanted: str, depth: int = 0, at: str = "") -> str | None:
    """The dotted path of a string field of `doc` equal to `wanted`."""
    if not isinstance(doc, dict) or depth > 2:
        return None
    for key, value in doc.items():
        here = f"{at}.{key}" if at else key
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value) == wanted:
            return here
        found = _find(value, wanted, depth + 1, here) if isinstance(value, dict) else None
        if found:
            return found
    return None


def _item_key(s: Seen, res: Resource) -> str:
    return values(res.collection + "/{" + res.param + "}", s.path).get(res.param, "")


def learn_resources(
    model: ServiceModel,
    resources: dict[str, Resource],
    seen: Sequence[Seen],
    kinds: dict[tuple[str, str], tuple[str, str]],
) -> None:
    from agent_runner.conventions import id_shape, is_stamp

    keys: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, Counter[str]] = defaultdict(Counter)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None or kind != "read" or not (200 <= s.status < 300) or not isinstance(s.response, dict):
            continue
        wanted = _item_key(s, res)
        top = [k for k, v in s.response.items() if isinstance(v, str | int) and str(v) == wanted]
        if top:
            keys[coll].update(["id" if "id" in top else top[0]])
        else:
            found = _find(s.response, wanted)
            if found:
                aliases[coll][found] += 1
    for coll, res in resources.items():
        if keys[coll]:
            res.key = keys[coll].most_common(1)[0][0]
        # an item read by another of its top-level fields too (a Jira issue by id or by key)
        others = [(k, n) for k, n in keys[coll].most_common() if k != res.key]
        res.aliases = [a for a, _ in others + aliases[coll].most_common(3)][:3]
    creates: dict[str, list[Any]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        if kind == "create" and coll in resources and 200 <= s.status < 300 and isinstance(s.response, dict):
            creates[coll].append(s)
    for coll, made in creates.items():
        res = resources[coll]
        made_keys = [str(s.response[res.key]) for s in made if res.key in s.response]
        res.ids = id_shape(made_keys[-50:])
        bodies = [s.response for s in made]
        first = bodies[0]
        res.stamps = [k for k, v in first.items() if is_stamp(v)]
        res.touched = [k for k in res.stamps if any(w in k.lower() for w in TOUCH_WORDS)]
        res.minted = [
            k
            for k, v in first.items()
            if k != res.key
            and not is_stamp(v)
            and isinstance(v, str | int)
            and not isinstance(v, bool)
            and (_varies(bodies, k) if len(bodies) > 1 else k.lower().endswith("id"))
            and not any(isinstance(s.request, dict) and s.request.get(k) == s.response.get(k) for s in made)
            and not all(k in s.response and s.response[k] == s.response.get(res.key) for s in made)
        ]  # a field always equal to the key (Okta's `resourceId`) is the key, not made up apart
        res.document = _fuller_read(res, made, seen, kinds)
        res.documents = _reads_per_request(res, made, seen, kinds) if res.document else []
    for coll, res in resources.items():
        res.statuses = sorted(
            {
                str(s.response[f])
                for s in seen
                if kinds[(s.method, s.template)][1] == coll and isinstance(s.response, dict)
                for f in STATUS_FIELDS
                if isinstance(s.response.get(f), str)
            }
        )[:20]
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        items = s.response if isinstance(s.response, list) else [s.response]
        if res is None or not 200 <= s.status < 300 or kind not in ("read", "list", "create", "update"):
            continue
        for item in items[:5]:
            for name, value in item.items() if isinstance(item, dict) else ():
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    res.prototypes.setdefault(name, value[0])
                elif isinstance(value, dict) and value:
                    res.prototypes.setdefault(name, value)
    for res in resources.values():
        res.links = status_links(res, seen, kinds)
    _actions(model, resources, seen, kinds)
    learn_effects(model, resources, seen, kinds)


def _fuller_read(
    res: Resource, made: Sequence[Seen], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> Example | None:
    """A recorded read that answers every field the creates answer and more (Jira answers a
    create with `id`, `key` and `self`, a read with the issue's `fields`): preferably a read of
    an object the same recording created, the first such one."""
    answered = set().union(*(s.response for s in made))
    reads = [
        s
        for s in seen
        if kinds[(s.method, s.template)] == ("read", res.collection)
        and 200 <= s.status < 300
        and isinstance(s.response, dict)
        and answered < set(s.response)
    ]
    made_keys = {(s.session, str(v)) for s in made for v in s.response.values()}
    own = [s for s in reads if (s.session, _item_key(s, res)) in made_keys] or reads
    if not own:
        return None
    return _first_with_more(own)


def _first_with_more(own: Sequence[Seen]) -> Example:
    """The first read, with the fields only other reads show (a site's later custom fields), as
    the latest read showing them has them."""
    example = own[0].example()
    for s in reversed(own[1:]):
        example.response = with_more(example.response, s.response)
    return example


def _reads_per_request(
    res: Resource, made: Sequence[Seen], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> list[Example]:
    """Per kind of create request (`readback.kind`: Jira's project and issue type), the read of
    an object such a create made in the same recording, with that create's request: a project's
    issues answer fields another project's do not. None when every create was of one kind."""
    made_by = {(s.session, str(v)): s for s in made for v in s.response.values()}
    groups: dict[tuple[Any, ...], list[Seen]] = defaultdict(list)
    requests: dict[tuple[Any, ...], Any] = {}
    for s in seen:
        if kinds[(s.method, s.template)] != ("read", res.collection) or not 200 <= s.status < 300:
            continue
        create = made_by.get((s.session, _item_key(s, res)))
        if create is None or not isinstance(s.response, dict):
            continue
        kind = readback.kind(create.request)
        groups[kind].append(s)
        requests.setdefault(kind, create.request)
    if len(groups) < 2:
        return []
    out = []
    for kind, reads in sorted(groups.items(), key=lambda kv: -len(kv[1]))[: readback.MOST]:
        example = _first_with_more(reads)
        example.request = requests[kind]
        out.append(example)
    return out


def _varies(bodies: list[dict[str, Any]], key: str) -> bool:
    return len({repr(b.get(key)) for b in bodies}) == len(bodies)


def _actions(
    model: ServiceModel,
    resources: dict[str, Resource],
    seen: Sequence[Seen],
    kinds: dict[tuple[str, str], tuple[str, str]],
) -> None:
    """An action's changes: status fields whose value differs in the next read of the item."""
    by_session: dict[str, list[Seen]] = defaultdict(list)
    for s in seen:
        by_session[s.session].append(s)
    changes: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    transitions: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for items in by_session.values():
        last: dict[str, dict[str, Any]] = {}
        pending: dict[str, tuple[str, str]] = {}
        for s in items:
            kind, coll = kinds[(s.method, s.template)]
            res = resources.get(coll)
            if res is None or not 200 <= s.status < 300:
                continue
            key = s.path.split(res.collection.split("/{")[0], 1)[-1]
            item = _concrete_item(s.path, res)
            if item is None:
                continue
            if kind == "action":
                before = last.get(item)
                if isinstance(s.response, dict) and res.key in s.response and before is not None:
                    for f in STATUS_FIELDS:  # an action answering the item shows what it set
                        old, new = before.get(f), s.response.get(f)
                        if isinstance(new, str) and old != new:
                            changes[(s.method, s.template)][(f, new)] += 1
                            transitions[coll].add((str(old), s.template.rsplit("/", 1)[-1], new))
                    last[item] = s.response
                    continue
                pending[item] = (s.method, s.template)
                continue
            if kind in ("read", "create", "update") and isinstance(s.response, dict):
                before = last.get(item)
                if item in pending and before is not None:
                    action = pending.pop(item)
                    for f in STATUS_FIELDS:
                        old, new = before.get(f), s.response.get(f)
                        if isinstance(new, str) and old != new:
                            changes[action][(f, new)] += 1
                            transitions[coll].add((str(old), action[1].rsplit("/", 1)[-1], new))
                last[item] = s.response
            del key
    for op in model.operations:
        counted = changes.get((op.method, op.path))
        if op.kind == "action" and counted:
            for (f, value), _n in counted.most_common():
                op.changes.setdefault(f, value)
    for coll, found in transitions.items():
        resources[coll].transitions = sorted(found)[:50]


def _concrete_item(path: str, res: Resource) -> str | None:
    """`/api/v1/users/00u1` for any path at or under that item of `res`."""
    template = res.collection + "/{" + res.param + "}"
    depth = template.count("/")
    segments = path.split("/")
    if len(segments) <= depth:
        return None
    return "/".join(segments[: depth + 1])


def seeds(
    model: ServiceModel, seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> list[Seed]:
    """Items read (2xx) in a recording that never created them: they existed before it began,
    as the first read shows them with the fields only later reads show (an older recording's
    answer lacks the fields the API added since). Items a list shows count too (Okta's
    `Everyone` group), read or not."""
    created: set[tuple[str, str]] = set()
    out: dict[tuple[str, str], Seed] = {}
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = model.resources.get(coll) if kind in ("create", "read", "list") else None
        if res is not None and kind == "list" and 200 <= s.status < 300 and isinstance(s.response, list):
            scope = s.path.rstrip("/")
            for item in s.response:
                key = item.get(res.key) if isinstance(item, dict) else None
                if key is not None and (s.session, str(key)) not in created:
                    out.setdefault((scope, str(key)), Seed(scope=scope, key=str(key), body=item))
            continue
        if res is None or not 200 <= s.status < 300 or not isinstance(s.response, dict):
            continue
        if kind == "create":
            key = s.response.get(res.key)
            if key is not None:
                created.add((s.session, str(key)))
            continue
        item = _concrete_item(s.path, res)
        if item is None:
            continue
        key = str(s.response.get(res.key, item.rsplit("/", 1)[-1]))
        scope = item.rsplit("/", 1)[0]
        if (s.session, key) in created:
            continue
        if (scope, key) in out:  # read again elsewhere: with the fields only other reads show
            known = out[(scope, key)]
            if collection_of(s.template) is not None and isinstance(known.body, dict):
                known.body = with_more(known.body, s.response)
            continue
        if collection_of(s.template) is not None:
            out[(scope, key)] = Seed(scope=scope, key=key, body=s.response)
    return list(out.values())
