"""The garbage collector's view of a serving twin: long-lived tenant data out of its sight.

A twin holds its tenants in memory as plain dicts and lists, and a server process lives long. With
CPython's default settings, collections of the older generations rescan all of it (and every
module, the app, the journal) again and again, in stalls that grow with the tenant: 30 to 100 ms
once a Slack channel holds some 100,000 messages (bench/RESULTS.md). So, in a serving process:

- what start-up built is frozen (never scanned again);
- young objects are collected in small steps (every 5,000 allocations, and the middle generation
  every second time), and what survives the middle generation is frozen too: a new row is scanned
  twice while young, then never again, and no stall is longer than a few milliseconds;
- when the store lets go of a tenant state (reset, restore, reload, drop), everything is thawed
  and nothing more is frozen until the next full collection has run: a dropped state holds
  reference cycles (collections point back at their state), which only a full collection that
  sees them can free. That one collection is as long as the heap is big.

Objects in reference cycles that die after being frozen wait for the next thaw; measured, a
write-heavy run of 60,000 requests left about a hundred such objects.

Process-wide, so only the serving entry points call `settle`, never `build_app`; `thaw` does
nothing in a process that did not settle (tests, applications embedding a twin).
"""

from __future__ import annotations

import gc
from typing import Any

GC_THRESHOLDS = (5_000, 2, 10)

_settled = False
_sweep_due = False  # a tenant state was let go: keep survivors in sight until a full collection


def settle() -> None:
    """Before serving: freeze what start-up built and collect as described above from now on."""
    global _settled
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    if not _settled:
        gc.callbacks.append(_after_collection)
        _settled = True


def thaw() -> None:
    """A tenant state was let go: give the collector back sight of everything (see above)."""
    global _sweep_due
    if _settled:
        gc.unfreeze()
        _sweep_due = True


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    global _sweep_due
    if phase != "stop":
        return
    generation = info.get("generation", 0)
    if generation == 2:
        _sweep_due = False
    if generation >= 1 and not _sweep_due:
        gc.freeze()
