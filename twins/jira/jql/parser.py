"""A recursive-descent parser for JQL, with Jira's messages for what it refuses."""

from __future__ import annotations

from twins.jira.jql.errors import JqlSyntaxError
from twins.jira.jql.lexer import Kind, Token, tokenize
from twins.jira.jql.syntax import (
    And,
    Clause,
    Empty,
    Function,
    ListOperand,
    Literal,
    Not,
    Operand,
    Or,
    Predicate,
    Query,
    SortKey,
    Terminal,
)
from twins.jira.jql.words import RESERVED_WORDS

OPERATORS_TEXT = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
)
PREDICATES = {"AFTER", "BEFORE", "ON", "DURING", "BY", "FROM", "TO"}
KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "WAS", "CHANGED", "ASC", "DESC"}


def parse(query: str) -> Query:
    """The syntax tree of `query` (an empty query selects everything)."""
    return _Parser(query).query()


class _Parser:
    def __init__(self, query: str) -> None:
        self.text = query
        self.tokens = tokenize(query)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> Kind:
        """The current token's kind (a call, so that type narrowing does not outlive `take`)."""
        return self.tokens[self.i].kind

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_word(self, *words: str) -> bool:
        return self.tok.kind is Kind.WORD and self.tok.upper in words

    def fail(self, expecting: str, tail: str = "") -> JqlSyntaxError:
        tok = self.tok
        if tok.kind is Kind.END:
            return JqlSyntaxError(f"Expecting {expecting} before the end of the query.", self.text, tok.pos)
        got = tok.text
        return JqlSyntaxError(f"Expecting {expecting} but got '{got}'.{tail}", self.text, tok.pos)

    def query(self) -> Query:
        where: Clause | None = None
        if self.tok.kind is not Kind.END and not self.at_word("ORDER"):
            where = self.or_clause()
        order: tuple[SortKey, ...] = ()
        if self.at_word("ORDER"):
            self.take()
            if not self.at_word("BY"):
                raise self.fail("'BY'")
            self.take()
            order = self.sort_list()
        if self.tok.kind is not Kind.END:
            if where is not None and self.tok.kind is Kind.RPAREN:
                raise JqlSyntaxError("Expecting either 'OR' or 'AND' but got ')'.", self.text, self.tok.pos)
            raise self.fail("either 'OR' or 'AND'" if order == () else "',' or the end of the query")
        return Query(where, order)

    def or_clause(self) -> Clause:
        parts = [self.and_clause()]
        while self.tok.kind is Kind.OR or self.at_word("OR"):
            self.take()
            parts.append(self.and_clause())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_clause(self) -> Clause:
        parts = [self.not_clause()]
        while self.tok.kind is Kind.AND or self.at_word("AND"):
            self.take()
            parts.append(self.not_clause())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_clause(self) -> Clause:
        if self.tok.kind is Kind.BANG or self.at_word("NOT"):
            self.take()
            return Not(self.not_clause())
        if self.tok.kind is Kind.LPAREN:
            self.take()
            inner = self.or_clause()
            if self.kind() is not Kind.RPAREN:
                raise self.fail("')'")
            self.take()
            return inner
        return self.terminal()

    def field_name(self) -> tuple[str, int]:
        tok = self.tok
        if tok.kind is Kind.STRING:
            self.take()
            return tok.text, tok.pos
        if tok.kind is Kind.WORD:
            if tok.upper in KEYWORDS or tok.text.lower() in RESERVED_WORDS:
                raise JqlSyntaxError(
                    f"Expecting a field name but got '{tok.text}'. You must surround '{tok.text}' in "
                    "quotation marks to use it as a field name.",
                    self.text,
                    tok.pos,
                )
            self.take()
            return tok.text, tok.pos
        raise self.fail("a field name")

    def terminal(self) -> Terminal:
        name, pos = self.field_name()
        op = self.operator()
        if op == "CHANGED":
            return Terminal(name, op, None, self.predicates(), pos)
        operand = self.operand(list_ok=True)
        predicates = self.predicates() if op.startswith("WAS") else ()
        return Terminal(name, op, operand, predicates, pos)

    def operator(self) -> str:
        tok = self.tok
        if tok.kind is Kind.OP:
            self.take()
            return tok.text
        if tok.kind is Kind.WORD:
            word = tok.upper
            if word in ("IN", "CHANGED"):
                self.take()
                return word
            if word == "NOT" and self.tokens[self.i + 1].upper == "IN":
                self.i += 2
                return "NOT IN"
            if word == "IS":
                self.take()
                if self.at_word("NOT"):
                    self.take()
                    return "IS NOT"
                return "IS"
            if word == "WAS":
                self.take()
                op = "WAS"
                if self.at_word("NOT"):
                    self.take()
                    op += " NOT"
                if self.at_word("IN"):
                    self.take()
                    op += " IN"
                return op
        raise self.fail("operator", " " + OPERATORS_TEXT)

    def operand(self, list_ok: bool) -> Operand:
        tok = self.tok
        if tok.kind is Kind.LPAREN and list_ok:
            self.take()
            items = [self.operand(list_ok=False)]
            while self.kind() is Kind.COMMA:
                self.take()
                items.append(self.operand(list_ok=False))
            if self.kind() is not Kind.RPAREN:
                raise self.fail("')'")
            self.take()
            return ListOperand(tuple(items))
        if tok.kind is Kind.STRING:
            self.take()
            return Literal(tok.text, quoted=True)
        if tok.kind is Kind.WORD:
            if tok.upper in ("EMPTY", "NULL"):
                self.take()
                return Empty()
            if self.tokens[self.i + 1].kind is Kind.LPAREN:
                return self.function()
            if tok.upper in KEYWORDS or tok.text.lower() in RESERVED_WORDS:
                raise JqlSyntaxError(
                    f"Expecting either a value, list or function but got '{tok.text}'. You must surround "
                    f"'{tok.text}' in quotation marks to use it as a value.",
                    self.text,
                    tok.pos,
                )
            self.take()
            return Literal(tok.text.replace("\\", ""))
        raise self.fail("either a value, list or function")

    def function(self) -> Function:
        name = self.take().text
        self.take()  # (
        args: list[str] = []
        while self.kind() is not Kind.RPAREN:
            if self.tok.kind not in (Kind.WORD, Kind.STRING):
                raise self.fail("')'")
            args.append(self.take().text)
            if self.kind() is Kind.COMMA:
                self.take()
            elif self.kind() is not Kind.RPAREN:
                raise self.fail("')'")
        self.take()
        return Function(name, tuple(args))

    def predicates(self) -> tuple[Predicate, ...]:
        out: list[Predicate] = []
        while self.tok.kind is Kind.WORD and self.tok.upper in PREDICATES:
            name = self.take().upper
            out.append(Predicate(name, self.operand(list_ok=True)))
        return tuple(out)

    def sort_list(self) -> tuple[SortKey, ...]:
        keys = [self.sort_key()]
        while self.kind() is Kind.COMMA:
            self.take()
            keys.append(self.sort_key())
        return tuple(keys)

    def sort_key(self) -> SortKey:
        name, _ = self.field_name()
        descending = False
        if self.at_word("ASC", "DESC"):
            descending = self.take().upper == "DESC"
        return SortKey(name, descending)


__all__ = ["And", "Literal", "Not", "Or", "parse"]
