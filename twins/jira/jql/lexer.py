"""JQL tokens: words, quoted strings, operators and punctuation, each with its position."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from twins.jira.jql.errors import JqlSyntaxError


class Kind(Enum):
    WORD = "word"  # unquoted: a field name, keyword, value or function name
    STRING = "string"  # quoted with " or '
    OP = "op"  # = != < > <= >= ~ !~
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    AND = "and"  # & or &&
    OR = "or"  # | or ||
    BANG = "!"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: int  # 0-based offset in the query

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind is Kind.WORD else ""


# Characters Jira reserves outside quotes (a word may not contain them).
RESERVED = set("%^$#@?;/[]{}+*`")
# Characters that end an unquoted word.
BREAKS = set(" \t\r\n\"'=!<>~(),&|") | RESERVED
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", " ": " "}


def tokenize(query: str) -> list[Token]:
    """The tokens of `query`, ending with an END token; JqlSyntaxError for what Jira refuses."""
    out: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'":
            text, i = _quoted(query, i)
            out.append(Token(Kind.STRING, text, i))
        elif ch == "(":
            out.append(Token(Kind.LPAREN, ch, i))
            i += 1
        elif ch == ")":
            out.append(Token(Kind.RPAREN, ch, i))
            i += 1
        elif ch == ",":
            out.append(Token(Kind.COMMA, ch, i))
            i += 1
        elif ch in "&|":
            width = 2 if query[i : i + 2] in ("&&", "||") else 1
            out.append(Token(Kind.AND if ch == "&" else Kind.OR, query[i : i + width], i))
            i += width
        elif ch in "=<>~" or (ch == "!" and query[i : i + 2] in ("!=", "!~")):
            width = 2 if query[i : i + 2] in ("!=", "!~", "<=", ">=") else 1
            out.append(Token(Kind.OP, query[i : i + width], i))
            i += width
        elif ch == "!":
            out.append(Token(Kind.BANG, ch, i))
            i += 1
        elif ch in RESERVED and not _custom_field_bracket(query, i):
            raise JqlSyntaxError(
                f"The character '{ch}' is a reserved JQL character. You must enclose it in a string "
                f"or use the escape '\\u{ord(ch):04x}' instead.",
                query,
                i,
            )
        else:
            start = i
            i = _word_end(query, i)
            out.append(Token(Kind.WORD, query[start:i], start))
    out.append(Token(Kind.END, "", n))
    return out


def _custom_field_bracket(query: str, i: int) -> bool:
    """True at the `[` of `cf[10010]` (the only place brackets are allowed unquoted)."""
    return query[i] == "[" and query[max(0, i - 2) : i].lower() == "cf"


def _word_end(query: str, i: int) -> int:
    n = len(query)
    while i < n:
        ch = query[i]
        if ch == "[" and _custom_field_bracket(query, i):
            close = query.find("]", i)
            i = n if close < 0 else close + 1
            continue
        if ch in BREAKS:
            break
        if ch == "\\" and i + 1 < n:
            i += 2
            continue
        i += 1
    return i


def _quoted(query: str, start: int) -> tuple[str, int]:
    quote, i, n = query[start], start + 1, len(query)
    parts: list[str] = []
    while i < n:
        ch = query[i]
        if ch == quote:
            return "".join(parts), i + 1
        if ch == "\\" and i + 1 < n:
            nxt = query[i + 1]
            if nxt == "u" and i + 5 < n + 0 and _hex4(query[i + 2 : i + 6]):
                parts.append(chr(int(query[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt in ESCAPES:
                parts.append(ESCAPES[nxt])
                i += 2
                continue
            raise JqlSyntaxError(
                f"The escape sequence '\\{nxt}' in the string '{''.join(parts)}' is invalid.",
                query,
                i,
            )
        parts.append(ch)
        i += 1
    raise JqlSyntaxError(f"The quoted string '{''.join(parts)}' has not been completed.", query, start)


def _hex4(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)
