"""Okta's filter and search expressions as syntax: a tokenizer and a recursive-descent parser.

Grammar (operators, `and`/`or`/`not` and literals are case-insensitive; attribute names are not):

    expression := disjunct ("or" disjunct)*
    disjunct   := unary ("and" unary)*
    unary      := "not" unary | "(" expression ")" | comparison
    comparison := attribute "pr" | attribute operator literal
    literal    := "quoted string" | number | true | false | null

`and` binds tighter than `or`. Every problem raises E0000031. twins.okta.filter compiles the trees.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from twins.okta.errors import OktaError

OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le", "sw", "co", "ew", "pr"})
MAX_LENGTH = 4096
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.]))
  | (?P<word>[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*)
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def invalid_criteria() -> OktaError:
    """E0000031, the answer to any expression Okta cannot use."""
    return OktaError("Invalid search criteria.", code="E0000031", status=400)


@dataclass(frozen=True)
class Token:
    kind: str  # lparen | rparen | string | number | word
    text: str
    value: Any = None


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            digits = body[i + 2 : i + 6]
            if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise invalid_criteria()
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        if nxt not in _ESCAPES:
            raise invalid_criteria()
        out.append(_ESCAPES[nxt])
        i += 2
    return "".join(out)


def tokenize(expr: str) -> list[Token]:
    """The tokens of an expression; any character outside the language is an error."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            raise invalid_criteria()
        kind = match.lastgroup or ""
        text = match.group()
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "string":
            tokens.append(Token(kind, text, _unescape(text[1:-1])))
        elif kind == "number":
            number = float(text)
            if not math.isfinite(number):
                raise invalid_criteria()
            tokens.append(Token(kind, text, int(text) if re.fullmatch(r"-?\d+", text) else number))
        else:
            tokens.append(Token(kind, text))
    return tokens


# --- syntax tree ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    attribute: str
    operator: str
    value: Any = None  # str | int | float | bool | None


@dataclass(frozen=True)
class Logical:
    operator: str  # and | or
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Comparison | Logical | Not


class _Parser:
    def __init__(self, tokens: list[Token], allow_not: bool) -> None:
        self.tokens = tokens
        self.pos = 0
        self.allow_not = allow_not

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise invalid_criteria()
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Node:
        if not self.tokens:
            raise invalid_criteria()
        node = self.expression(0)
        if self.peek() is not None:
            raise invalid_criteria()
        return node

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise invalid_criteria()
        node = self.disjunct(depth)
        while self.keyword("or"):
            node = Logical("or", node, self.disjunct(depth))
        return node

    def disjunct(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.keyword("and"):
            node = Logical("and", node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise invalid_criteria()
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() == "not":
            if not self.allow_not:
                raise invalid_criteria()
            self.pos += 1
            return Not(self.unary(depth + 1))
        if token is not None and token.kind == "lparen":
            self.pos += 1
            node = self.expression(depth + 1)
            if self.take().kind != "rparen":
                raise invalid_criteria()
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        attribute = self.take()
        if attribute.kind != "word" or attribute.text.lower() in ("and", "or", "not"):
            raise invalid_criteria()
        operator = self.take()
        op = operator.text.lower()
        if operator.kind != "word" or op not in OPERATORS:
            raise invalid_criteria()
        if op == "pr":
            return Comparison(attribute.text, op)
        literal = self.take()
        if literal.kind in ("string", "number"):
            return Comparison(attribute.text, op, literal.value)
        word = literal.text.lower() if literal.kind == "word" else ""
        if word in ("true", "false"):
            return Comparison(attribute.text, op, word == "true")
        if word == "null":
            return Comparison(attribute.text, op, None)
        raise invalid_criteria()


def parse(expr: str, *, allow_not: bool = False) -> Node:
    """The syntax tree of an expression, or E0000031."""
    if not isinstance(expr, str) or len(expr) > MAX_LENGTH:
        raise invalid_criteria()
    return _Parser(tokenize(expr), allow_not).parse()
