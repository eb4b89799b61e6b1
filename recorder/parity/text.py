"""Bodies that are not JSON (SAML metadata, plain text) compared as JSON strings are: token by
token, a token equal as recorded (recorded ids replaced by the twin's), or where the recorded one
is a value that differs between runs by nature (an id not yet paired, a URL, a timestamp, a
secret such as a certificate's base64) and no request set it, one of the same kind. Everything
else, words, names, markup, and the number of tokens, must be as recorded."""

from __future__ import annotations

import re

from recorder.parity.values import Comparison, volatile_kind

TOKEN = re.compile(
    r"https?://[^\s<>\"']+"  # a URL
    r"|[A-Za-z0-9+/=]{24,}(?:\s+[A-Za-z0-9+/=]{4,})*"  # base64, over several lines (a certificate)
    r"|[^\s<>\"'=]+"  # anything else between markup and spaces
)
SPACE = re.compile(r"\s+")


def tokens(text: str) -> list[str]:
    return [SPACE.sub("", t) for t in TOKEN.findall(text)]


def token_matches(recorded: str, twin: str, cmp: Comparison) -> bool:
    if recorded == twin or cmp.rewrite(recorded) == twin:
        return True
    if recorded in cmp.ids or recorded in cmp.request_strings:
        return False  # a paired id or a value a request set: as the twin has it, exactly
    kind = volatile_kind(recorded, cmp.is_id)
    return kind is not None and kind == volatile_kind(twin, cmp.is_id)


def same_text(recorded: str, twin: str, cmp: Comparison) -> bool:
    """Whether the twin's text body matches the recorded one (see the module)."""
    if recorded.strip() == twin.strip():
        return True
    mine, theirs = tokens(recorded), tokens(twin)
    return len(mine) == len(theirs) and all(
        token_matches(r, t, cmp) for r, t in zip(mine, theirs, strict=True)
    )
