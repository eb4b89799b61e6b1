"""JQL errors with the messages Jira Cloud gives (answered as 400 `errorMessages`)."""

from __future__ import annotations


class JqlError(Exception):
    """A query Jira refuses; `message` is the text of Jira's `errorMessages` entry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JqlSyntaxError(JqlError):
    """A query that does not parse; the message carries Jira's prefix and position."""

    def __init__(self, detail: str, query: str, pos: int) -> None:
        line = query.count("\n", 0, pos) + 1
        column = pos - (query.rfind("\n", 0, pos) + 1) + 1
        super().__init__(f"Error in the JQL Query: {detail} (line {line}, character {column})")
        self.pos = pos


def no_field(name: str) -> JqlError:
    return JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


def no_value(value: str, field: str) -> JqlError:
    return JqlError(f"The value '{value}' does not exist for the field '{field}'.")


def bad_operator(op: str, field: str) -> JqlError:
    return JqlError(f"The operator '{op}' is not supported by the '{field}' field.")


def no_function(name: str) -> JqlError:
    return JqlError(f"Unable to find JQL function '{name}()'.")


def cannot_sort(field: str) -> JqlError:
    return JqlError(f"Field '{field}' does not support sorting.")


def bad_date(value: str, field: str) -> JqlError:
    return JqlError(
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format "
        "e.g. '-5d', '4w 2d'."
    )
