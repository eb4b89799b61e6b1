"""JQL dates: absolute values, relative periods (`-7d`, `4w 2d`) and the date functions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from twins.jira.jql.errors import JqlError, bad_date

_ABSOLUTE = (
    ("%Y/%m/%d %H:%M", True),
    ("%Y-%m-%d %H:%M", True),
    ("%Y/%m/%d", False),
    ("%Y-%m-%d", False),
)
_PERIOD = re.compile(r"^\s*([-+]?)\s*((?:\d+\s*[yMwdhm]\s*)+)$")
_PART = re.compile(r"(\d+)\s*([yMwdhm])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
DATE_FUNCTIONS = {
    "now",
    "startofday",
    "endofday",
    "startofweek",
    "endofweek",
    "startofmonth",
    "endofmonth",
    "startofyear",
    "endofyear",
}


def parse_value(text: str, field: str, now: datetime) -> datetime:
    """An absolute date (`2024-01-31`, `2024/01/31 10:00`) or a period relative to `now`."""
    for fmt, _ in _ABSOLUTE:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    if text.strip().lstrip("-").isdigit() and len(text.strip().lstrip("-")) > 8:
        try:
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)  # epoch milliseconds
        except (OverflowError, ValueError, OSError):
            raise bad_date(text, field) from None
    shifted = shift(now, text)
    if shifted is None:
        raise bad_date(text, field)
    return shifted


def shift(moment: datetime, period: str) -> datetime | None:
    """`moment` moved by a period such as `-5d`, `4w 2d`, `+1M`; None if it is not one."""
    match = _PERIOD.match(period)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    out = moment
    try:
        for amount_text, unit in _PART.findall(match.group(2)):
            amount = sign * int(amount_text)
            if unit == "y":
                out = _add_months(out, 12 * amount)
            elif unit == "M":
                out = _add_months(out, amount)
            else:
                out = out + amount * _UNITS[unit]
    except (OverflowError, ValueError):  # beyond the years a datetime can hold
        return None
    return out


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, _days_in(year, month + 1))
    return moment.replace(year=year, month=month + 1, day=day)


def _days_in(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def call(name: str, args: tuple[str, ...], now: datetime) -> datetime:
    """The value of a date function: `startOfDay()`, `endOfMonth(-1)`, `startOfWeek("+1w")` …"""
    lower = name.lower()
    if lower == "now":
        return now
    if len(args) > 1:
        raise JqlError(
            f"Function '{name}' expected between '0' and '1' arguments but received '{len(args)}'."
        )
    span = lower.removeprefix("start").removeprefix("end")[2:]  # day, week, month or year
    unit = {"day": "d", "week": "w", "month": "M", "year": "y"}[span]
    base = _start_of(span, now)
    # endOf… is the start of the next span less a millisecond; increments move either
    following = shift(base, "+1" + unit) if lower.startswith("end") else base
    if args:
        increment = args[0].strip()
        if increment.lstrip("+-").isdigit():
            increment += unit
        following = shift(following, increment) if following is not None else None
        if following is None:
            raise JqlError(f"Function '{name}' received an invalid increment '{args[0]}'.")
    if following is None:
        raise JqlError(f"Function '{name}' has no value at this date.")
    if lower.startswith("end"):
        return following - timedelta(milliseconds=1)
    return following


def _start_of(unit: str, now: datetime) -> datetime:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":  # weeks start on Sunday, as in Jira's default locale
        return day - timedelta(days=(day.weekday() + 1) % 7)
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def as_datetime(value: object) -> datetime | None:
    """A stored date or datetime as an aware datetime (dates at midnight UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
