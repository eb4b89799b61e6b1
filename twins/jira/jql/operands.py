"""Operands to canonical values: literals resolved by the site, functions, dates, lists."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twins.jira.jql import dates
from twins.jira.jql.errors import JqlError, no_function, no_value
from twins.jira.jql.site import FieldDef, Kind, Site
from twins.jira.jql.syntax import Empty, Function, ListOperand, Literal, Operand

SPRINT_FUNCTIONS = {"opensprints": "active", "closedsprints": "closed", "futuresprints": "future"}
USER_FUNCTIONS = {"currentuser", "membersof"}
KNOWN_FUNCTIONS = dates.DATE_FUNCTIONS | set(SPRINT_FUNCTIONS) | USER_FUNCTIONS


@dataclass(frozen=True, slots=True)
class Values:
    """What an operand stands for: canonical values, and whether EMPTY is among them."""

    items: tuple[Any, ...]
    empty: bool = False


def values(operand: Operand, field: FieldDef, name: str, site: Site) -> Values:
    """The canonical values of `operand` for the field called `name`."""
    if isinstance(operand, Empty):
        return Values((), empty=True)
    if isinstance(operand, ListOperand):
        items: list[Any] = []
        empty = False
        for item in operand.items:
            got = values(item, field, name, site)
            items.extend(got.items)
            empty = empty or got.empty
        return Values(tuple(items), empty)
    if isinstance(operand, Function):
        return Values(tuple(_function(operand, field, name, site)))
    if field.key == "resolution" and operand.text.strip().lower() == "unresolved":
        return Values((), empty=True)  # Jira's name for an empty resolution
    return Values(tuple(_literal(operand, field, name, site)))


def _literal(literal: Literal, field: FieldDef, name: str, site: Site) -> list[Any]:
    text = literal.text
    kind = field.kind
    if kind in (Kind.REF, Kind.USER):
        found = site.resolve(field, text)
        if not found:
            raise no_value(text, name)
        return found
    if kind is Kind.ISSUE:
        found = site.resolve(field, text)
        if not found:
            raise JqlError(f"An issue with key '{text}' does not exist for field '{name}'.")
        return found
    if kind in (Kind.DATETIME, Kind.DATE):
        return [dates.parse_value(text, name, site.now)]
    if kind is Kind.NUMBER:
        try:
            return [float(text)]
        except ValueError:
            raise JqlError(f"The value '{text}' is invalid for the field '{name}'.") from None
    return [text]


def _function(func: Function, field: FieldDef, name: str, site: Site) -> list[Hashable | datetime]:
    lower = func.name.lower()
    if lower not in KNOWN_FUNCTIONS:
        raise no_function(func.name)
    if lower in dates.DATE_FUNCTIONS and field.kind in (Kind.DATETIME, Kind.DATE):
        return [dates.call(func.name, func.args, site.now)]
    if lower == "currentuser" and field.kind is Kind.USER:
        _arity(func, 0)
        return [site.current_user] if site.current_user else []
    if lower == "membersof" and field.kind is Kind.USER:
        _arity(func, 1)
        members = site.members_of(func.args[0])
        if members is None:
            raise JqlError(
                f"Function 'membersOf' can not generate a list of usernames for group "
                f"'{func.args[0]}'; the group does not exist."
            )
        return list(members)
    if lower in SPRINT_FUNCTIONS and field.key == "sprint":
        _arity(func, 0)
        return list(site.sprints(SPRINT_FUNCTIONS[lower]))
    raise JqlError(f"A value provided by the function '{func.name}' is invalid for the field '{name}'.")


def _arity(func: Function, expected: int) -> None:
    if len(func.args) != expected:
        raise JqlError(
            f"Function '{func.name}' expected '{expected}' arguments but received '{len(func.args)}'."
        )
