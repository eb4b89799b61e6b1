"""Okta Expression Language, the subset group rules accept: parse once, evaluate per user.

Supported: literals (strings, numbers, true/false/null), `user.<attr>` (also
`user.profile.<attr>`), `==` `!=` `>` `<` `>=` `<=`, `&&`/`AND`, `||`/`OR`, `!`/`NOT`,
`+`, `cond ? a : b`, parentheses, and the functions in FUNCTIONS (`String.*`, `Arrays.*`,
`Convert.*`, `isMemberOf*`). A malformed expression raises ExpressionError at parse time;
evaluation never raises (a type mismatch makes the comparison false).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twins._runtime.collection import Row


class ExpressionError(ValueError):
    """The expression cannot be parsed or refers to an unknown function."""


@dataclass(frozen=True)
class Context:
    """What an expression sees: the user and the ids and names of the user's groups."""

    user: Row
    group_ids: frozenset[str] = frozenset()
    group_names: frozenset[str] = frozenset()


# ---------------------------------------------------------------------------------------------
# Tokens

TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
      | (?P<op>==|!=|>=|<=|&&|\|\||[><!().,?:+\-\[\]])
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and": "&&", "or": "||", "not": "!"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | name | op | end
    value: Any
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        match = TOKEN_RE.match(text, pos)
        if match is None:
            raise ExpressionError(f"Unexpected character '{text[pos]}' at position {pos}")
        kind = match.lastgroup or "op"
        raw = match.group(kind)
        at = match.start(kind)
        if kind == "number":
            tokens.append(Token("number", float(raw) if "." in raw else int(raw), at))
        elif kind == "string":
            body = re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), raw[1:-1])
            tokens.append(Token("string", body, at))
        elif kind == "name" and raw.lower() in KEYWORDS:
            tokens.append(Token("op", KEYWORDS[raw.lower()], at))
        else:
            tokens.append(Token(kind, raw, at))
        pos = match.end()
    tokens.append(Token("end", None, len(text)))
    return tokens


# ---------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Attribute:
    name: str  # a user profile attribute


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional:
    test: Node
    then: Node
    otherwise: Node


Node = Literal | Attribute | Call | Unary | Binary | Conditional


class Parser:
    """Recursive descent: ternary < || < && < equality < relational < additive < unary."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, *ops: str) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.value in ops:
            self.i += 1
            return str(token.value)
        return None

    def expect(self, op: str) -> None:
        token = self.peek()
        if self.accept(op) is None:
            raise ExpressionError(f"Expected '{op}' at position {token.pos}, found {describe(token)}")

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError("The expression is empty")
        node = self.ternary()
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"Unexpected {describe(token)} at position {token.pos}")
        return node

    def ternary(self) -> Node:
        test = self.binary(0)
        if self.accept("?") is None:
            return test
        then = self.ternary()
        self.expect(":")
        return Conditional(test, then, self.ternary())

    LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!="), (">", "<", ">=", "<="), ("+", "-"))

    def binary(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (op := self.accept(*self.LEVELS[level])) is not None:
            node = Binary(op, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        if self.accept("!") is not None:
            return Unary("!", self.unary())
        if self.accept("-") is not None:
            return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind in ("number", "string"):
            return Literal(token.value)
        if token.kind == "op" and token.value == "(":
            node = self.ternary()
            self.expect(")")
            return node
        if token.kind == "name":
            return self.reference(token)
        raise ExpressionError(f"Unexpected {describe(token)} at position {token.pos}")

    def reference(self, first: Token) -> Node:
        lowered = str(first.value).lower()
        if lowered in ("true", "false"):
            return Literal(lowered == "true")
        if lowered == "null":
            return Literal(None)
        parts = [str(first.value)]
        while self.accept(".") is not None:
            token = self.take()
            if token.kind != "name":
                raise ExpressionError(f"Expected a name after '.' at position {token.pos}")
            parts.append(str(token.value))
        if self.accept("(") is not None:
            return self.call(".".join(parts), first.pos)
        if parts[0] == "user":
            attr = parts[2:] if len(parts) > 2 and parts[1] == "profile" else parts[1:]
            if len(attr) != 1:
                raise ExpressionError(f"Invalid property reference '{'.'.join(parts)}'")
            return Attribute(attr[0])
        raise ExpressionError(f"Unknown reference '{'.'.join(parts)}' at position {first.pos}")

    def call(self, name: str, pos: int) -> Node:
        args: list[Node] = []
        if self.accept(")") is None:
            args.append(self.ternary())
            while self.accept(",") is not None:
                args.append(self.ternary())
            self.expect(")")
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise ExpressionError(f"Unknown function '{name}' at position {pos}")
        low, high = spec.arity
        if not low <= len(args) <= (high if high >= 0 else len(args)):
            expected = f"{low}" if low == high else f"{low} or more" if high < 0 else f"{low} to {high}"
            raise ExpressionError(f"Function '{name}' takes {expected} argument(s), {len(args)} given")
        return Call(name, tuple(args))


def describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "string":
        return f'string "{token.value}"'
    return f"'{token.value}'"


# ---------------------------------------------------------------------------------------------
# Functions


@dataclass(frozen=True)
class Function:
    arity: tuple[int, int]  # (min, max); max -1 = unbounded
    impl: Callable[[Context, Sequence[Any]], Any] = field(compare=False)


def _str(fn: Callable[..., Any], arity: int = 1) -> Function:
    """A String.* function: null when any argument is not a string (Okta yields null too)."""

    def impl(_ctx: Context, args: Sequence[Any]) -> Any:
        if not isinstance(args[0], str):
            return None
        return fn(*args)

    return Function((arity, arity), impl)


def _contains(_ctx: Context, args: Sequence[Any]) -> bool:
    haystack, needle = args
    if isinstance(haystack, str) and isinstance(needle, str):
        return needle in haystack
    return False


def _starts(_ctx: Context, args: Sequence[Any]) -> bool:
    return isinstance(args[0], str) and isinstance(args[1], str) and args[0].startswith(args[1])


def _ends(_ctx: Context, args: Sequence[Any]) -> bool:
    return isinstance(args[0], str) and isinstance(args[1], str) and args[0].endswith(args[1])


def _substring(_ctx: Context, args: Sequence[Any]) -> Any:
    text = args[0]
    if not isinstance(text, str) or not all(isinstance(a, int) for a in args[1:]):
        return None
    return text[args[1] : args[2]] if len(args) == 3 else text[args[1] :]


def _arrays_contains(_ctx: Context, args: Sequence[Any]) -> bool:
    return isinstance(args[0], list) and args[1] in args[0]


def _convert_int(_ctx: Context, args: Sequence[Any]) -> Any:
    try:
        return int(float(args[0]))
    except (TypeError, ValueError):
        return None


def _convert_num(_ctx: Context, args: Sequence[Any]) -> Any:
    try:
        return float(args[0])
    except (TypeError, ValueError):
        return None


def _member_of_any(ctx: Context, args: Sequence[Any]) -> bool:
    return any(isinstance(a, str) and a in ctx.group_ids for a in args)


def _name_matches(test: Callable[[str, str], bool]) -> Callable[[Context, Sequence[Any]], bool]:
    def impl(ctx: Context, args: Sequence[Any]) -> bool:
        return isinstance(args[0], str) and any(test(name, args[0]) for name in ctx.group_names)

    return impl


def _name_regex(ctx: Context, args: Sequence[Any]) -> bool:
    if not isinstance(args[0], str):
        return False
    try:
        pattern = re.compile(args[0])
    except re.error:
        return False
    return any(pattern.fullmatch(name) for name in ctx.group_names)


FUNCTIONS: dict[str, Function] = {
    "String.stringContains": Function((2, 2), _contains),
    "String.startsWith": Function((2, 2), _starts),
    "String.endsWith": Function((2, 2), _ends),
    "String.toUpperCase": _str(str.upper),
    "String.toLowerCase": _str(str.lower),
    "String.len": _str(len),
    "String.removeSpaces": _str(lambda s: s.replace(" ", "")),
    "String.replace": _str(lambda s, a, b: s.replace(str(a), str(b)), 3),
    "String.replaceFirst": _str(lambda s, a, b: s.replace(str(a), str(b), 1), 3),
    "String.substringBefore": _str(lambda s, a: s.split(str(a), 1)[0] if str(a) in s else s, 2),
    "String.substringAfter": _str(lambda s, a: s.split(str(a), 1)[1] if str(a) in s else "", 2),
    "String.substring": Function((2, 3), _substring),
    "Arrays.contains": Function((2, 2), _arrays_contains),
    "Arrays.isEmpty": Function((1, 1), lambda _c, a: not a[0] if isinstance(a[0], list) else True),
    "Arrays.size": Function((1, 1), lambda _c, a: len(a[0]) if isinstance(a[0], list) else 0),
    "Convert.toInt": Function((1, 1), _convert_int),
    "Convert.toNum": Function((1, 1), _convert_num),
    "isMemberOfGroup": Function((1, 1), _member_of_any),
    "isMemberOfAnyGroup": Function((1, -1), _member_of_any),
    "isMemberOfGroupName": Function((1, 1), _name_matches(lambda name, arg: name == arg)),
    "isMemberOfGroupNameStartsWith": Function((1, 1), _name_matches(str.startswith)),
    "isMemberOfGroupNameContains": Function((1, 1), _name_matches(lambda name, arg: arg in name)),
    "isMemberOfGroupNameRegex": Function((1, 1), _name_regex),
}


# ---------------------------------------------------------------------------------------------
# Evaluation


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("==", "!="):
        same = left == right if not (_number(left) and _number(right)) else float(left) == float(right)
        same = same and (isinstance(left, bool) == isinstance(right, bool))
        return same if op == "==" else not same
    if _number(left) and _number(right):
        a, b = float(left), float(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right  # type: ignore[assignment]
    else:
        return False
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def evaluate(node: Node, ctx: Context) -> Any:
    """The value of `node` for this user; never raises."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Attribute):
        return ctx.user.get("profile", {}).get(node.name)
    if isinstance(node, Call):
        args = [evaluate(a, ctx) for a in node.args]
        try:
            return FUNCTIONS[node.name].impl(ctx, args)
        except (TypeError, ValueError, IndexError):
            return None
    if isinstance(node, Unary):
        value = evaluate(node.operand, ctx)
        if node.op == "!":
            return value is not True
        return -value if _number(value) else None
    if isinstance(node, Conditional):
        return evaluate(node.then if evaluate(node.test, ctx) is True else node.otherwise, ctx)
    if node.op == "&&":
        return evaluate(node.left, ctx) is True and evaluate(node.right, ctx) is True
    if node.op == "||":
        return evaluate(node.left, ctx) is True or evaluate(node.right, ctx) is True
    left, right = evaluate(node.left, ctx), evaluate(node.right, ctx)
    if node.op in ("+", "-"):
        if node.op == "+" and (isinstance(left, str) or isinstance(right, str)):
            return f"{'' if left is None else left}{'' if right is None else right}"
        if _number(left) and _number(right):
            return left + right if node.op == "+" else left - right
        return None
    return _compare(node.op, left, right)


def attributes(node: Node) -> set[str]:
    """Every `user.<attr>` the expression reads."""
    if isinstance(node, Attribute):
        return {node.name}
    if isinstance(node, Call):
        return set().union(*(attributes(a) for a in node.args)) if node.args else set()
    if isinstance(node, Unary):
        return attributes(node.operand)
    if isinstance(node, Binary):
        return attributes(node.left) | attributes(node.right)
    if isinstance(node, Conditional):
        return attributes(node.test) | attributes(node.then) | attributes(node.otherwise)
    return set()


@dataclass(frozen=True)
class Expression:
    """A parsed group-rule expression."""

    text: str
    root: Node

    def matches(self, ctx: Context) -> bool:
        return evaluate(self.root, ctx) is True

    @property
    def attributes(self) -> set[str]:
        return attributes(self.root)


def parse(text: str) -> Expression:
    """Parse `text`; raise ExpressionError with a readable cause when it is not valid."""
    return Expression(text, Parser(text).parse())
