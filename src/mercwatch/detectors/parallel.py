"""Pure-Python work over many independent items, on every core.

A few detector steps run Python per *distinct* item (link hosts, message texts):
cheap per item, but a large platform has hundreds of thousands. Each item is
independent, so chunks go to one process per core. Workers are forked where the
platform allows it: they inherit what the parent loaded, and a user's script
without a ``__main__`` guard is not re-run; they touch no engine state. When a pool
cannot start, the work runs in this process — slower, never wrong.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
# Below this many items one process is quicker than starting workers.
MIN_ITEMS = 20_000
MAX_CHUNK = 5_000


def cores() -> int:
    """Cores this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def map_chunks(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    workers: int | None = None,
    min_items: int = MIN_ITEMS,
) -> list[R]:
    """``fn`` over chunks of ``items`` on ``workers`` processes; results in item order.

    Args:
        fn: a module-level function taking a chunk and returning one result per item.
        items: the work.
        workers: processes; default every core.
        min_items: below this, run in this process.
    """
    workers = workers or cores()
    if workers < 2 or len(items) < min_items:
        return fn(items)
    size = min(MAX_CHUNK, max(1, -(-len(items) // (workers * 4))))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [r for part in pool.map(fn, chunks) for r in part]
    except (BrokenProcessPool, OSError) as exc:
        log.warning("work on %d processes failed (%s); running it in one", workers, exc)
        return fn(items)
