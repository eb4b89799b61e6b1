"""Group rules: expression-based membership, kept up to date as users change."""

from __future__ import annotations

from twins._runtime.collection import Row, TenantState


def reevaluate_user(state: TenantState, user: Row, *, actor_id: str | None = None) -> None:
    """Add or remove the user from every group an ACTIVE rule manages, per the rule's expression.

    Called by the users backend after a user is created, updated or changes status.
    """
    return None
