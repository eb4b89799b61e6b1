"""The Jira Cloud twin: REST v2, v3 and latest from one implementation, on the twin kit."""

from __future__ import annotations

from twins._runtime.ratelimit import Limit
from twins._runtime.service import Service
from twins.jira import (
    agile,
    models,
    ops_admin,
    ops_comments,
    ops_extras,
    ops_issues,
    ops_links,
    ops_meta,
    ops_project_parts,
    ops_projects,
    ops_search,
    ops_site,
    seed,
    webhooks,
)
from twins.jira.search_site import JqlSites
from twins.kit import JIRA, Kit


def kit() -> Kit:
    """The twin as data."""
    return Kit(
        name="jira",
        title="Jira Cloud",
        default_port=8103,
        collections=models.COLLECTIONS,
        metadata=models.metadata,
        seed=seed.seed,
        credentials=seed.credentials,
        credential_from_headers=models.credential_from_headers,
        style=JIRA,
        registries=[
            ops_site.site_ops,
            ops_admin.site_admin,
            ops_meta.meta,  # before issues: `/issue/createmeta` is not an issue key
            ops_issues.issues,
            ops_links.links,
            ops_projects.projects,
            ops_project_parts.parts,
            ops_comments.work,
            ops_search.finder,
            webhooks.admin,
            webhooks.dynamic,
            agile.agile,
            ops_extras.extras,
        ],
        outbox=webhooks.outbox,
        extensions=[JqlSites],
        limits={"api": Limit(count=1000, window=60)},
        env=seed.env,
    )


def create_service() -> Service:
    return kit().service()
