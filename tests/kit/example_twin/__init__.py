"""An example twin on the kit, for its tests and docs/writing-a-twin.md: every kit feature once."""

from __future__ import annotations

from tests.kit.example_twin import hooks, models, people, tasks
from twins._runtime.ratelimit import Limit
from twins._runtime.service import Service
from twins.kit import JIRA, Kit


def kit() -> Kit:
    """The twin as data."""
    return Kit(
        name="example",
        title="Example",
        default_port=8098,
        collections=models.COLLECTIONS,
        metadata=models.metadata,
        seed=models.seed,
        credentials=models.credentials,
        credential_from_headers=models.credential_from_headers,
        style=JIRA,
        registries=[
            tasks.rest,
            tasks.rpc,
            people.users,
            people.oauth,
            people.public,
            people.tenants,
            hooks.webhooks,
        ],
        outbox=hooks.outbox,
        extensions=[people.AccessTokens],
        limits={"search": Limit(count=5, window=60)},
    )


def create_service() -> Service:
    return kit().service()
