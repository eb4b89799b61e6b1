"""Notes: a small twin folder on the kit (a GitHub-like note API) for `twins verify --twin` and
the repair loop's tests. Loaded by path (`twins.twin_dir`), so its modules import relatively."""

from __future__ import annotations

from twins._runtime.service import Service
from twins.kit import Kit

from . import models, notes


def create_service() -> Service:
    return Kit(
        name="notes",
        title="Notes",
        default_port=8097,
        collections=models.COLLECTIONS,
        metadata=models.metadata,
        seed=models.seed,
        credentials=models.credentials,
        credential_from_headers=models.credential_from_headers,
        style=notes.STYLE,
        registries=[notes.api],
    ).service()
