"""The serving process's collector settings (in a child process: they are process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, json, weakref
    from twins._runtime import heap

    out = {}
    heap.thaw()  # before settling: nothing happens
    out["frozen_before"] = gc.get_freeze_count()
    heap.settle()
    out["thresholds"] = list(gc.get_threshold())
    out["frozen_at_start"] = gc.get_freeze_count()

    class State:  # a tenant state and its collection point at each other
        pass

    state = State()
    state.rows = [{"id": i, "tags": []} for i in range(20_000)]
    state.me = state
    gone = weakref.ref(state)
    kept = []  # the process goes on growing (new rows): collections run
    for _ in range(10):  # the middle generation is collected and its survivors frozen
        kept.append([[] for _ in range(5_000)])
    out["frozen_after_growth"] = gc.get_freeze_count()

    del state  # let go of the state, as the store does on a reset...
    out["alive_when_frozen"] = gone() is not None
    heap.thaw()  # ... and thaws
    out["frozen_after_thaw"] = gc.get_freeze_count()
    for _ in range(400):  # until a full collection has run
        kept.append([[] for _ in range(5_000)])
        if gone() is None:
            break
    out["freed"] = gone() is None
    for _ in range(10):
        kept.append([[] for _ in range(5_000)])
    out["frozen_again"] = gc.get_freeze_count()
    print(json.dumps(out))
    """
)


def test_survivors_are_frozen_and_a_let_go_state_is_freed() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["frozen_before"] == 0
    assert out["thresholds"] == [5_000, 2, 10]
    assert out["frozen_at_start"] > 0
    assert out["frozen_after_growth"] > out["frozen_at_start"] + 20_000  # the rows went out of sight
    assert out["alive_when_frozen"]  # frozen, the cycle could not be collected
    assert out["frozen_after_thaw"] == 0
    assert out["freed"]  # thawed, the next full collection freed it
    assert out["frozen_again"] > 0  # and freezing goes on after it
