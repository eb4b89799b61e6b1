"""What a write makes from its example and the sent body, kept per body (`twins.kit.plans`)."""

from __future__ import annotations

from twins.kit.plans import LONGEST, Memo, sent_key


def test_kept_per_sources_and_body() -> None:
    memo, made = Memo(), []
    example, other = {"request": {"title": "a"}}, {"request": {"title": "a"}}

    def make() -> list[int]:
        made.append(1)
        return [len(made)]

    first = memo.get((example,), sent_key({"title": "x"}), make)
    assert memo.get((example,), sent_key({"title": "x"}), make) is first  # the same body: kept
    assert memo.get((example,), sent_key({"title": "y"}), make) == [2]  # another body: made
    assert memo.get((other,), sent_key({"title": "x"}), make) == [3]  # equal sources, not the same
    assert memo.get((example,), None, make) == [4]  # not kept
    assert memo.get((example,), None, make) == [5]
    assert len(made) == 5


def test_bodies_told_apart_as_json_values() -> None:
    assert sent_key({"n": 1}) != sent_key({"n": 1.0}) != sent_key({"n": True})
    assert sent_key({"n": "1"}) != sent_key({"n": 1})
    assert sent_key({"a": 1, "b": 2}) == sent_key({"a": 1, "b": 2})
    assert sent_key({"text": "x" * LONGEST}) is None  # a long body is made each time


def test_rekeyed_renames_keys_and_keeps_the_rest_shared() -> None:
    from twins._runtime.frozen import freeze
    from twins.kit.templates import rekeyed

    user = freeze({"login": "octocat", "id": 1})
    links = freeze({"acme_app_13_link": True, "other": "acme_app_13"})
    body = {"name": "acme_app_13", "user": user, "_links": links}
    out = rekeyed(body, {"acme_app_13": "acme_app_99"})
    assert out == {
        "name": "acme_app_13",
        "user": user,
        "_links": {"acme_app_99_link": True, "other": "acme_app_13"},
    }
    assert out["user"] is user  # no key of it renamed: the same read-only part
    assert rekeyed(body, {"acme_app_13": "acme_app_99"}) == out  # the second time, from what was kept
    plain = {"name": "x", "user": user}
    assert rekeyed(plain, {"acme_app_13": "acme_app_99"}) is plain  # nothing to rename
    deep: dict[str, object] = {"acme_app_13": 1}
    for _ in range(7):
        deep = {"d": deep}
    assert rekeyed(deep, {"acme_app_13": "z"}) is deep  # below the depth it goes, kept as it is
