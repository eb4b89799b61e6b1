"""A stateful resource engine for twins described as data (generated ones): JSON documents per
resource type and tenant (`twins.kit.documents`), created, read, listed and filtered, updated,
acted on and deleted, with sub-resources under their parent and answers shaped like the
recorded ones (`twins.kit.templates`).

A generated operation is one line: `return ENGINE.create(call, USERS)`. The engine reads the
operation's recorded example (by the handler's name) from the twin's `examples.json`; what it
answers from the recordings alone is `twins.kit.recorded`'s. A create is made from its render plan
where one is proven (`twins.kit.creates`), else the whole way (`Engine.made`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twins.kit.call import Call
from twins.kit.creates import planned
from twins.kit.defaults import of_kind, rewritten, with_defaults
from twins.kit.documents import DOCUMENTS, row_id
from twins.kit.echoes import as_sent, derived_key
from twins.kit.items import DELETING, GONE, NAME_FIELDS, SINGLETONS, Items
from twins.kit.members import as_members
from twins.kit.named import named_links
from twins.kit.operations import Reply
from twins.kit.pagers import LinkAfter, LinkPages
from twins.kit.parents import of_parent
from twins.kit.plans import sent_key
from twins.kit.recorded import Ids, ResourceType, likeness, most_like, path_values
from twins.kit.spawns import spawn
from twins.kit.templates import (
    SECRET,
    documented,
    echo,
    merge_nested,
    parent_prefix,
    rekeyed,
    relinked,
    renumbered,
    restamp,
    with_effect,
)
from twins.kit.worlds import as_listed, signature
from twins.kit.writes import echoes


class Engine(Items):
    """The behaviour of each kind of operation on the twin's items."""

    def create(
        self, call: Call, res: ResourceType, when: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Reply:
        """A new item: the recorded create's answer for this request, with a fresh key; `when`
        gives fields a query parameter decides (`{"activate=false": {"status": "STAGED"}}`; an
        empty value stands for the parameter left out)."""
        if not self.exists(call, res):
            return self.not_found(call)
        recorded = self.example(call)
        scope = self.scope(call, res)
        like = (
            recorded.get("response", {}).get(res.key) if isinstance(recorded.get("response"), dict) else None
        )
        template = recorded.get("response")
        sent = dict(call.body) if call.has_body else {}
        known = self.of_resource(res.collection).get("derived")
        key = derived_key(sent, known or {}) or self.mint(
            call, res, scope, like=str(like) if like is not None else ""
        )
        if not isinstance(template, dict):
            template = dict(sent)
        text = sent_key(sent)
        body = self._planned.get(
            (recorded, res, self.examples),
            text,
            lambda: self._unminted(call, res, recorded, template, sent),
        )
        minted = self._minted(call, res, recorded, sent, body)
        made = None if when else planned(self, call, res, (recorded, template, sent, body), key, minted, text)
        if made is None:
            now = call.now()
            made = self.made(call, res, (recorded, template, sent, body), key, minted, when, now)
        reply, document = made
        self.save(call, scope, key, document)
        learnt = self.of_resource(res.collection)
        if learnt.get("spawns"):  # items the create makes under the new one
            spawn(self, call, res, key, sent, learnt["spawns"])
        return reply

    def _minted(
        self, call: Call, res: ResourceType, recorded: Mapping[str, Any], sent: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        """The made-up values of the fields the vendor makes up (`res.minted`) that a create sets."""
        out: dict[str, Any] = {}
        for name in res.minted:
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = int(
                    "1" + call.ids.chars(f"{name}:{res.collection}", len(str(value)), "0123456789")[1:]
                )
            elif isinstance(value, str) and "/" not in value and value:
                prefix = parent_prefix(value, recorded.get("request"), sent)
                out[name] = (
                    f"{prefix}-{call.ids.sequence(f'{name}:{res.collection}:{prefix}')}"
                    if prefix
                    else self.made_like(call, f"{name}:{res.collection}", value)
                )
        return out

    def made(
        self,
        call: Call,
        res: ResourceType,
        given: tuple[Mapping[str, Any], Any, dict[str, Any], Any],
        key: str,
        minted: Mapping[str, Any],
        when: Mapping[str, Mapping[str, Any]] | None,
        now: float,
        stamp: Callable[[str], str] | None = None,
    ) -> tuple[Reply, Any]:
        """A create's answer and the document it stores, from its recorded example, the template
        of its answer, the body sent and the answer made from them before its own values (`given`),
        its key, its made-up values and its time (`stamp` writes each timestamp, when given)."""
        recorded, template, sent, body = given
        was_key = template.get(res.key)
        more = {str(was_key): key} if was_key is not None else {}
        body = dict(body) if isinstance(body, dict) else body  # the kept one is shared: changed below
        was = {name: body.get(name) for name in res.minted}
        if minted:
            body.update(minted)
        # a made-up value named elsewhere in the answer (Okta's app `name` in its link's key)
        renamed = {
            old: str(body[n])
            for n, old in was.items()
            if isinstance(old, str) and len(old) >= 6 and body[n] != old
        }
        body = rekeyed(self.swap(call, recorded, **{**more, **renamed}).apply(body), renamed)
        body[res.key] = int(key) if isinstance(was_key, int) and key.isdigit() else key
        if isinstance(was_key, int) and not isinstance(was_key, bool) and key.isdigit():
            body = renumbered(body, was_key, int(key))  # the parts that name the item by its key
        body = restamp(body, now, res.stamps, stamp)
        for name in {condition.partition("=")[0] for condition in when or {}}:
            chosen = f"{name}={str(call.args.get(name, '')).lower()}"
            fields = (when or {}).get(chosen) or (when or {}).get(f"{name}=")  # unknown: the default
            body.update(fields or {})
        body = self.relink(call, res, body, key)
        document = self.document(call, res, sent, body, now, stamp)
        return self.fit_reply(call, Reply(body, int(recorded.get("status") or call.op.status))), document

    def _unminted(
        self, call: Call, res: ResourceType, recorded: Mapping[str, Any], template: Any, sent: dict[str, Any]
    ) -> Any:
        """A create's answer made from its recorded example and what it was sent, before
        anything of the call's own is put in: the same for the same body (kept, `plans`)."""
        body = self.objects(res, echo(template, recorded.get("request"), sent))
        body = named_links(body, recorded.get("request"), sent)
        defaults = self.of_operation(call).get("defaults")
        body = with_defaults(body, recorded.get("request"), sent, defaults or {})
        learnt = self.of_resource(res.collection)
        body = rewritten(of_kind(body, sent, learnt.get("kinds") or {}), sent, learnt.get("rewrites") or ())
        return as_sent(body, sent, learnt.get("echoes") or {}, create=True)

    def relink(self, call: Call, res: ResourceType, body: Any, key: str) -> Any:
        """The links the item's status decides, as the recordings show them (see `relinked`)."""
        by_status = self.of_resource(res.collection).get("links")
        return relinked(body, by_status, key, call.base_url) if by_status else body

    def document(
        self,
        call: Call,
        res: ResourceType,
        sent: Any,
        answer: dict[str, Any],
        now: float,
        stamp: Callable[[str], str] | None = None,
    ) -> Any:
        """What a create stores: its answer, or where reads answer more than creates (as
        recorded), the recorded read's answer made this object's: of an object made by the
        recorded create most like this one, where the recordings show several kinds."""
        known = self.of_resource(res.collection)
        read = known.get("document")
        if not read:
            return answer
        kinds = known.get("documents")
        if kinds and isinstance(sent, dict):
            read = self._planned.get(
                (kinds,), sent_key(sent), lambda: max(kinds, key=lambda d: likeness(d.get("request"), sent))
            )
        template = read.get("response")
        pairs = {str(read.get("host", "")): call.base_url}
        if isinstance(template, dict):
            for name in (res.key, *res.minted):
                if template.get(name) is not None and answer.get(name) is not None:
                    pairs[str(template[name])] = str(answer[name])
        return restamp(documented(template, sent, pairs, answer), now, res.stamps, stamp)

    def read(self, call: Call, res: ResourceType) -> Any:
        scope, key = self.scope(call, res), call.path.get(res.param, "")
        row = self.find(call.state, res, scope, key)
        if row is None:
            moved = self.of_resource(res.collection).get("moved")
            if moved and f"{scope}/{key}" in moved:
                return self.redirect(call, moved[f"{scope}/{key}"])
            row = self.preexisting(call, res, scope, key, False)
        return self.not_found(call) if row is None else self.encoded(self.fit(call, self.body(call, row)))

    def redirect(self, call: Call, recorded: Mapping[str, Any]) -> Reply:
        """An item that moved: the recorded redirect, naming this twin's URL for its new place."""
        reply = self.answer(call, recorded)
        location = str(recorded.get("location") or "")
        if not location:
            return reply
        return Reply(reply.body, reply.status, {"Location": self.swap(call, recorded).text(location)})

    def list(self, call: Call, scope_template: str) -> Any:
        """The collection's items, filtered by the query the traces use, paged the vendor's way."""
        scope = scope_template.format_map(call.path)
        rows = self.listing.rows(call.state, scope, call.args)
        listed = self.examples.get("listed")
        if listed:
            rows = as_listed(rows, listed.get(signature(scope, call.args.items()), ()), call.now())
        bodies = [self.body(call, r) for r in rows]
        of = self.of_resource(scope_template).get("members")
        if of:  # a list of members: each the item it names
            bodies = as_members(call.state, bodies, of, "id", lambda row: self.body(call, row))
        if call.op.page is not None:
            bodies = call.page(bodies)
        bodies = self.fit_items(call, bodies)
        recorded = self.example(call).get("response")
        if not isinstance(recorded, dict) and (
            call.op.page is None or isinstance(call.op.page, LinkAfter | LinkPages)
        ):
            return b"[" + b",".join(self.encoded(b) for b in bodies) + b"]"  # the pager adds headers only
        if isinstance(recorded, dict):  # a wrapped list: {"total_count": …, "items": […]}
            items = next((k for k, v in recorded.items() if isinstance(v, list)), None)
            if items is not None:
                out = dict(recorded)
                for k, v in out.items():
                    if isinstance(v, int) and not isinstance(v, bool) and k.startswith("total"):
                        out[k] = len(bodies)
                return self.fit(call, {**out, items: bodies})
        return bodies

    def update(self, call: Call, res: ResourceType) -> Any:
        """Fields of the request laid over the item (PUT of a missing item under an existing
        parent makes it: a membership, an assignment)."""
        scope, key = self.scope(call, res), call.path.get(res.param, "")
        row = self.held(call, res, scope, key)
        sent = dict(call.body) if call.has_body else {}
        recorded = self.example(call)
        if row is None:
            if call.op.method != "PUT" or not self.exists(call, res):
                return self.not_found(call)
            body = {res.key: key, **sent} if sent else {res.key: key}
        else:
            key = row["key"]
            body = self.objects(res, merge_nested(self.body(call, row), sent))
            if self.of_operation(call).get("adds") and isinstance(body, dict):
                body.update({k: v for k, v in sent.items() if k not in body and not SECRET.search(k)})
        learnt = self.of_resource(res.collection)
        body = as_sent(
            rewritten(body, sent, learnt.get("rewrites") or ()),
            sent,
            learnt.get("echoes") or {},
            create=False,
        )
        body = restamp(body, call.now(), res.touched)
        self.save(call, scope, key, body)
        return self._written(call, recorded, res, body)

    def _written(self, call: Call, recorded: Mapping[str, Any], res: ResourceType, body: Any) -> Reply:
        """The item, when the recorded answer was the item; else the recorded answer."""
        answer = recorded.get("response")
        status = int(recorded.get("status") or call.op.status)
        was = path_values(call.op.path, str(recorded.get("path", ""))).get(res.param)
        if isinstance(answer, dict) and res.key in answer and (was is None or str(answer[res.key]) == was):
            return self.fit_reply(call, Reply(body, status))
        return self.fit_reply(call, self.answer(call, recorded)) if recorded else Reply(None, status)

    def delete(self, call: Call, res: ResourceType) -> Any:
        """The item and everything under it."""
        scope = self.scope(call, res)
        row = self.held(call, res, scope, call.path.get(res.param, ""))
        if row is None:
            return self.not_found(call)
        body = self.body(call, row)
        soft = self.of_resource(res.collection).get("soft_deletes") or {}
        field = next((f for f in ("status", "state") if isinstance(body, dict) and f in body), "")
        after = soft.get(str(body.get(field))) if field else None
        docs = call.state[DOCUMENTS]
        marked = row_id(DELETING + scope, row["key"])
        # a first DELETE only changes its status (Okta deprovisions a user first)
        if after is not None and after != body.get(field) and docs.get(marked) is None:
            changed = {**body, field: after} if after else body
            self.save(call, scope, row["key"], restamp(changed, call.now(), res.touched))
            self.save(call, DELETING + scope, row["key"], {})
            recorded = self.example(call)
            return self.answer(call, recorded) if recorded else Reply(None, call.op.status)
        under = f"{scope}/{row['key']}/"
        for other in docs.filter(lambda r: str(r["scope"]).startswith(under)):
            docs.delete(other["id"])
        docs.delete(row["id"])
        self.save(call, GONE + scope, row["key"], {})
        recorded = self.example(call)
        return self.answer(call, recorded) if recorded else Reply(None, call.op.status)

    def action(self, call: Call, res: ResourceType, changes: Mapping[str, Any]) -> Any:
        """An action on an item (`/lifecycle/deactivate`): the fields it sets, the recorded answer."""
        scope = self.scope(call, res)
        row = self.held(call, res, scope, call.path.get(res.param, ""))
        if row is None:
            return self.not_found(call)
        body = self.body(call, row)
        effect = self.effect(call)
        if (changes or effect) and isinstance(body, dict):
            body = restamp({**body, **changes}, call.now(), res.touched)
            body = with_effect(body, effect, call.now())
            body = self.relink(call, res, body, row["key"])
            self.save(call, scope, row["key"], body)
        return self._written(call, self.example(call), res, body)

    def effect(self, call: Call) -> Mapping[str, Any]:
        """What the action sets besides (learnt per kind of request): the recorded request most
        like this one's."""
        effects = self.of_operation(call).get("effects")
        if not effects:
            return {}
        sent = dict(call.body) if call.has_body else {}
        chosen = most_like(effects, sent)
        found: Mapping[str, Any] = chosen.get("set") or {}
        return found

    def singleton(self, call: Call) -> Any:
        """A document at a fixed path: what was last written there, else the recorded one."""
        path = call.url_path
        docs = call.state[DOCUMENTS]
        row = docs.get(row_id(SINGLETONS, path))
        recorded = self.example(call)
        method = call.op.method
        if method == "DELETE":
            if row is not None:
                docs.delete(row["id"])
            return self.answer(call, recorded) if recorded else Reply(None, call.op.status)
        if method == "GET":
            found = (
                Reply(self.body(call, row))
                if row is not None
                else self.answer(call, of_parent(self, call, recorded))
            )
            return self.fit_reply(call, found)
        sent = dict(call.body) if call.has_body else {}
        base = self.body(call, row) if row is not None else self.answer(call, recorded).body
        names = sent.get("value")
        if isinstance(base, list) and isinstance(names, list) and all(isinstance(n, str) for n in names):
            proto = base[0] if base and isinstance(base[0], dict) else None  # names sent, objects answered
            field = next((k for k in NAME_FIELDS if proto and isinstance(proto.get(k), str)), None)
            if proto is not None and field is not None:
                base = [{**proto, field: n} for n in names]
        if recorded and not echoes(recorded):  # the answer is not the document written
            return self.fit_reply(call, self.answer(call, recorded))
        body = (
            merge_nested(echo(base, recorded.get("request"), sent), sent) if isinstance(base, dict) else base
        )
        self.save(call, SINGLETONS, path, self._fuller(call, body) if row is None else body)
        return (
            Reply(body, int(recorded.get("status") or call.op.status))
            if body is not None
            else self.answer(call, recorded)
        )

    def _fuller(self, call: Call, body: Any) -> Any:
        """A first write of a fixed document whose answer leaves fields empty (Okta answers an
        app's ID token settings with a null `issuer`): those fields as the recorded read shows."""
        recorded = self.of_operation(call).get("document")
        read = self.answer(call, recorded).body if recorded else None
        if not isinstance(read, dict) or not isinstance(body, dict):
            return body
        return {**read, **{k: v for k, v in body.items() if v is not None or k not in read}}


Handler = Callable[[Call], Any]

__all__ = ["Engine", "Handler", "Ids", "ResourceType", "likeness"]  # what generated twins import
