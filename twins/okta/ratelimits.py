"""Okta's org-wide rate limits: per-endpoint buckets, counted before routing (404s and refused
credentials included) by the kit's pre-route limit, with X-Rate-Limit-* on every answer."""

from __future__ import annotations

import re

from twins._runtime.ratelimit import Limit
from twins.kit.limits import PreRouteLimit

# (method or "*", path pattern, requests per minute): the first match names the bucket.
BUCKETS: list[tuple[str, re.Pattern[str], int]] = [
    ("POST", re.compile(r"^/api/v1/authn"), 600),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?v1/token$"), 2000),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?v1/(?:authorize|introspect|revoke|userinfo|logout)$"), 2000),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?(?:v1/keys|\.well-known/.*)$"), 10000),
    ("GET", re.compile(r"^/api/v1/users/[^/]+$"), 2000),
    ("*", re.compile(r"^/api/v1/users/[^/]+"), 600),
    ("*", re.compile(r"^/api/v1/users$"), 600),
    ("GET", re.compile(r"^/api/v1/groups/[^/]+$"), 1000),
    ("*", re.compile(r"^/api/v1/groups"), 500),
    ("GET", re.compile(r"^/api/v1/apps/[^/]+$"), 500),
    ("*", re.compile(r"^/api/v1/apps"), 100),
    ("*", re.compile(r"^/api/v1/logs"), 120),
    ("*", re.compile(r"^/api/v1/sessions"), 750),
    ("*", re.compile(r"^/api/v1/"), 1200),
]
DEFAULT = 1200


def bucket(method: str, path: str) -> tuple[str, Limit]:
    """The bucket a call counts in, and its limit per minute."""
    for verb, pattern, per_minute in BUCKETS:
        if verb in ("*", method) and pattern.match(path):
            return f"{verb} {pattern.pattern}", Limit(per_minute, 60)
    return "default", Limit(DEFAULT, 60)


LIMIT = PreRouteLimit(bucket)
