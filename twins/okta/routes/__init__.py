"""The Okta twin's operations, one module per resource family: each holds a `Registry` (`ops`) of
operations on the twin kit, served together by the twin's `Kit` (`twins/okta/service.py`; the
OAuth endpoints too: HTML sign-in, redirects and cookies are replies of their own)."""

from __future__ import annotations

from twins.okta.routes import (
    apps,
    authn,
    authserver_items,
    authservers,
    credentials,
    discovery,
    eventhooks,
    group_rules,
    groups,
    lifecycle,
    logs,
    oauth,
    schema,
    sessions,
    users,
)

# /groups/rules before /groups/{id}: the first match wins.
REGISTRIES = [
    users.ops,
    lifecycle.ops,
    credentials.ops,
    sessions.ops,
    schema.ops,
    group_rules.ops,
    groups.ops,
    apps.ops,
    authservers.ops,
    authserver_items.ops,
    logs.ops,
    authn.ops,
    eventhooks.ops,
    discovery.ops,
    oauth.ops,
]
