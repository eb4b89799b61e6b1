"""A write under an item the twin does not hold is taken as a read of that item is answered: where
the recordings show such items existing before they began, the item is one like them."""

from __future__ import annotations

import httpx


async def test_a_create_under_a_pre_existing_parent_is_made(github: httpx.AsyncClient) -> None:
    assert (await github.get("/repos/someone/unseen")).status_code == 200
    made = await github.post("/repos/someone/unseen/issues", json={"title": "t"})
    assert made.status_code == 201 and made.json()["title"] == "t"


async def test_a_create_under_a_parent_never_answered_unmade_is_refused(github: httpx.AsyncClient) -> None:
    assert (await github.get("/repos/octo/hello/issues/4242")).status_code == 404
    refused = await github.post("/repos/octo/hello/issues/4242/comments", json={"body": "x"})
    assert refused.status_code == 404  # issues the recordings refused when not made first
