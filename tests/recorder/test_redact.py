"""Redaction: planted secrets of every kind never reach the output; pseudonyms are consistent."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from recorder.redact import Redactor
from recorder.redact_rules import Rules, RulesError
from recorder.trace import Body, Exchange, Request, Response

CORE = st.text(
    alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", min_size=12, max_size=40
)
BOUNDARY = "----twinsboundary7MA4YWxkTrZu0gW"


def jwt(core: str) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(json.dumps({"sub": core}).encode()).decode().rstrip("=")
    return f"{head}.{claims}.{core}sig"


def pem(core: str) -> str:
    return f"-----BEGIN PRIVATE KEY-----\nMII{core}\n{core}==\n-----END PRIVATE KEY-----"


def multipart(fields: dict[str, str]) -> str:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return "".join(parts) + f"--{BOUNDARY}--\r\n"


def planted(s: list[str]) -> list[Exchange]:
    """Exchanges that carry s[0..14] in every place a secret can hide."""
    query = f"https://acme.okta.com/api/v1/users?api_key={s[0]}&limit=2&access_token={quote_plus(s[1])}"
    json_body = {
        "credentials": {"password": {"value": s[2]}, "recovery_question": {"answer": s[3]}},
        "client_secret": s[4],
        "note": f"signed {jwt(s[5])} done",
        "key": pem(s[6]),
        "legacy": f"SSWS{s[14]}",  # the okta SDK's spelling, no space
    }
    return [
        Exchange(
            service="okta",
            request=Request(
                method="POST",
                url=query,
                headers=[("Authorization", f"SSWS {s[7]}"), ("Content-Type", "application/json")],
                body=Body(text=json.dumps(json_body)),
            ),
            response=Response(
                status=200,
                headers=[("Set-Cookie", f"sid={s[8]}; Path=/; HttpOnly")],
                body=Body(text=json.dumps({"refresh_token": s[9], "id_token": jwt(s[10]), "echo": s[2]})),
            ),
        ),
        Exchange(
            service="slack",
            request=Request(
                method="POST",
                url="https://slack.com/api/oauth.v2.access",
                headers=[
                    ("Authorization", f"Basic {base64.b64encode(s[11].encode()).decode()}"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Cookie", f"d={s[12]}; b=1"),
                ],
                body=Body(text=f"client_secret={quote_plus(s[4])}&code={s[13]}&token=xoxb-{s[12]}"),
            ),
            response=Response(status=200, body=Body(text=json.dumps({"access_token": f"xoxp-1-{s[0]}"}))),
        ),
        Exchange(
            service="jira",
            request=Request(
                method="POST",
                url="https://acme.atlassian.net/rest/api/2/attachment",
                headers=[
                    ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
                    ("Authorization", f"Bearer {s[1]}"),
                ],
                body=Body(text=multipart({"password": s[3], "file": f"contents {jwt(s[9])}"})),
            ),
            response=Response(status=200, body=Body(text='{"ok":true}')),
        ),
    ]


def forms(secret: str) -> set[str]:
    """The spellings of `secret` that would count as a leak."""
    b64 = base64.b64encode(secret.encode()).decode()
    return {secret, quote(secret, safe=""), quote_plus(secret), b64}


# The exchanges' own fixed text (header names, URLs, the boundary): a "secret" drawn inside it
# (hypothesis once drew `Authorizatio`) would be found there, not leaked.
SKELETON = "\n".join(e.json_line() for e in planted([f"~{i}~" for i in range(15)]))
SECRET = CORE.filter(lambda secret: not any(form in SKELETON for form in forms(secret)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SECRET, min_size=15, max_size=15, unique=True))
def test_no_planted_secret_reaches_the_output(secrets: list[str]) -> None:
    # Hypothesis also draws strings from the source (e.g. "Authorizatio"): a "secret" that is part
    # of the fixed text around the planted values (a header name) cannot count as a leak.
    skeleton = "\n".join(e.json_line() for e in planted(["\x00"] * 15))
    assume(not any(secret in skeleton for secret in secrets))
    redactor = Redactor(b"test-key")
    out = "\n".join(redactor.exchange(e).json_line() for e in planted(secrets))
    for secret in secrets:
        for form in forms(secret):
            assert form not in out, f"{form!r} leaked"
    assert "REDACTED-" in out


def test_pseudonyms_are_consistent_and_keyed() -> None:
    first, second = Redactor(b"k1"), Redactor(b"k1")
    a = first.exchange(planted([f"secretvalue{i:04d}" for i in range(15)])[0])
    b = second.exchange(planted([f"secretvalue{i:04d}" for i in range(15)])[0])
    assert a.json_line() == b.json_line()
    other = Redactor(b"k2").exchange(planted([f"secretvalue{i:04d}" for i in range(15)])[0])
    assert other.json_line() != a.json_line()
    body = json.loads(a.request.body.text)
    assert json.loads(a.response.body.text)["echo"] == body["credentials"]["password"]["value"]


def test_emails_map_to_one_fake_and_tokens_keep_their_prefix() -> None:
    redactor = Redactor(b"k")
    exchange = Exchange(
        request=Request(method="GET", url="https://slack.com/api/users.lookupByEmail?email=Jane%40acme.com"),
        response=Response(status=200, body=Body(text='{"user":{"profile":{"email":"jane@acme.com"}}}')),
    )
    redactor.exchange(exchange)
    fake = json.loads(exchange.response.body.text)["user"]["profile"]["email"]
    assert fake.endswith("@example.invalid")
    assert "acme.com" not in exchange.json_line()
    token = Redactor(b"k").pseudonym("xoxb-123-456-abcdef")
    assert token.startswith("xoxb-REDACTED-")
    assert Redactor(b"k").pseudonym(token) == token  # redacting twice changes nothing


def test_rules_file_extends_builtin(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("headers: [X-Acme-Key]\nfields: [acme_pin]\npatterns: ['acme_[0-9a-f]{8}']\n")
    redactor = Redactor(b"k", Rules.load(path))
    exchange = Exchange(
        request=Request(
            method="GET",
            url="https://x.test/a?acme_pin=98765&q=1",
            headers=[("X-Acme-Key", "hello-world"), ("Authorization", "Bearer abcdefgh1234")],
        ),
        response=Response(status=200, body=Body(text="id acme_0badf00d end")),
    )
    line = redactor.exchange(exchange).json_line()
    for secret in ("98765", "hello-world", "abcdefgh1234", "acme_0badf00d"):
        assert secret not in line
    assert "q=1" in exchange.request.url


def test_bad_rules_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("patterns: ['(unclosed']\n")
    with pytest.raises(RulesError, match="not a regular expression"):
        Rules.load(path)
    path.write_text("colour: red\n")
    with pytest.raises(RulesError, match="unknown keys"):
        Rules.load(path)


def test_texts_skip_only_the_patterns_they_cannot_match() -> None:
    """Each credential scheme is still found (the pattern is tried when any of its words is in the
    text), and addresses that run into each other are all replaced."""
    redactor = Redactor(b"k")
    scrub = redactor._scrubber({})
    for scheme in ("SSWS ", "SSWS", "Bearer ", "basic ", "Token "):
        out = scrub(f"auth was {scheme}abcdefgh12345678 ok")
        assert "abcdefgh12345678" not in out and "REDACTED-" in out, out
    out = scrub("mail a@b.com.x@c.org and " + "x" * 5000 + " end")
    assert "a@b.com" not in out and "x@c.org" not in out and out.count("@example.invalid") == 2


@pytest.mark.parametrize(
    ("text", "walks"),
    [
        ('{"user":{"Password":"x"}}', True),
        ('{"a":"password"}', True),  # a value that spells a field: the walk decides, it costs only time
        ('{"a":"x"}password"', False),
        ('{"passwords":1}', False),
        ('["", "token"]', True),
        ('{"to\\u006ben":"x"}', True),
        ("token", False),
    ],
)
def test_the_json_walk_is_skipped_only_when_no_quoted_field_name_occurs(text: str, walks: bool) -> None:
    redactor = Redactor(b"k")
    assert redactor._may_name_a_field(text) is walks
    assert any(f'"{name}"' in text.lower() for name in redactor._fields) or "\\u" in text or not walks


def test_token_patterns_keep_their_word_boundary() -> None:
    """The boundary is asserted after each pattern's leading literal: same matches as `\\bLIT`."""
    scrub = Redactor(b"k")._scrubber({})
    okta = "00" + "a1B2c3D4e5" * 4
    for text in (f"x {okta} y", okta, f"({okta})", f"-{okta}", "ATATT" + "x" * 24, "t=xoxb-123456-abc"):
        assert "REDACTED-" in scrub(text), text
    for text in (f"a{okta}", f"_{okta}", f"é{okta}", "zATATT" + "x" * 24, "bxoxb-123456-abc", f"{okta}b"):
        assert scrub(text) == text, text


FOLDING = ["\u017f\u017fw\u017f", "Bas\u0131c ", "\u0130", "\u212a", "\u00e9"]  # long s, dotless i, ...
PIECES = st.sampled_from(
    [
        *("Bearer ", "bearer\t", "BASIC ", "Token ", "SSWS", "ssws ", "tok", "xBearer ", "_Token "),
        *FOLDING,
        *("00", "xoxb-", "eyJ", "@", "a.b@c.org", " ", "=", "/", '"'),
        *("abcdefgh", "12345678", "A1b2C3d4e5", "x", "-", "REDACTED-0123456789ab"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_patterns_tried_only_where_their_words_occur_find_what_a_full_scan_finds(text: str) -> None:
    """The credential-scheme pattern is tried only at offsets where `bearer`, `ssws`, ... occur;
    the result is the same as substituting over the whole text, case folding included."""
    fast = Redactor(b"k")
    full = Redactor(b"k")
    full._patterns = tuple((pattern, hints, False) for pattern, hints, _ in full._patterns)
    assert any(leading for _, _, leading in fast._patterns)
    assert fast._scrubber({})(text) == full._scrubber({})(text)
    assert fast._scrubber({"A1b2C3d4e5": "X"})(text) == full._scrubber({"A1b2C3d4e5": "X"})(text)
