"""The kit's pieces alone: typed arguments, opaque cursors, the start-up checks of a table."""

from __future__ import annotations

import pytest

from twins._runtime.errors import TwinError
from twins.kit import JIRA, OKTA, SLACK, Args, OktaTokens, Registry, SlackTokens
from twins.kit.auth import check_declared
from twins.kit.pagers import decode_cursor, encode_cursor


def test_flags_take_the_vendors_spellings_and_refuse_the_rest() -> None:
    args = Args({"a": "true", "b": "0", "c": "maybe"}, SLACK)
    assert args.flag("a") is True
    assert args.flag("b") is False
    assert args.flag("missing", True) is True
    with pytest.raises(TwinError) as caught:
        args.flag("c")
    assert caught.value.code == "invalid_arguments"
    assert SLACK.render(caught.value).status_code == 200  # Slack answers argument errors with 200
    with pytest.raises(TwinError):
        Args({"b": "0"}, OKTA).flag("b")  # Okta says true or false


def test_integers_and_enums_refuse_in_the_vendors_words() -> None:
    args = Args({"limit": "abc", "n": "500", "status": "ACTIVE", "bad": "active"}, OKTA)
    with pytest.raises(TwinError) as caught:
        args.integer("limit", 20)
    assert (caught.value.code, caught.value.status) == ("E0000001", 400)
    assert OKTA.body(caught.value)["errorCauses"] == [{"errorSummary": "limit: must be an integer"}]
    with pytest.raises(TwinError):
        args.integer("n", 20, high=200)
    assert args.enum("status", ("ACTIVE", "SUSPENDED")) == "ACTIVE"
    with pytest.raises(TwinError) as caught:
        Args({"bad": "active"}, JIRA).enum("bad", ("ACTIVE",))
    assert JIRA.body(caught.value) == {"errorMessages": [], "errors": {"bad": "must be one of ACTIVE"}}


def test_cursors_are_opaque_and_only_those_handed_out_are_accepted() -> None:
    cursor = encode_cursor("users", 40)
    assert "40" not in cursor
    assert decode_cursor("users", cursor) == 40
    assert decode_cursor("channels", cursor) is None  # another list's cursor
    assert decode_cursor("users", cursor[:-2]) is None
    assert decode_cursor("users", "not a cursor!") is None


def test_a_scoped_auth_without_a_scope_is_a_start_up_error() -> None:
    with pytest.raises(ValueError, match="must name one"):
        check_declared("GET /x", SlackTokens(), None)
    check_declared("GET /x", SlackTokens(), ())  # says: no scope needed
    strict = OktaTokens(vocabulary=frozenset({"okta.users.read"}))
    with pytest.raises(ValueError, match="unknown scope"):
        check_declared("GET /x", strict, "okta.user.read")
    with pytest.raises(ValueError, match="without an auth"):
        check_declared("GET /x", None, "okta.users.read")


def test_an_operation_cannot_be_registered_twice() -> None:
    ops = Registry(auth=SlackTokens())

    @ops.rpc("a.b", scope=())
    def first(call: object) -> None: ...

    with pytest.raises(ValueError, match="twice"):
        ops.rpc("a.b", scope=())(first)
