"""Parse a file's batches in worker processes and get the results back in file order.

A reader splits its file into batches of whole records and names a module-level function that
turns one batch into its result (`work`), and optionally one that does the same work in-process
and returns what the reader wants without packing it for the trip back (`local`). Small files (one
batch) are parsed in-process; bigger ones by a pool
of at most two forkserver workers, with a bounded number of batches in flight so that memory does
not grow with the file. A pool that breaks (a worker killed) is not fatal: the batches it did not
finish are parsed in-process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

IN_FLIGHT = 4


def _pool() -> ProcessPoolExecutor:
    # forkserver: workers never inherit the importer's open SQLite connection (unsafe across fork)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)), mp_context=ctx)


def ordered(work: Callable[..., Any], batches: Iterable[tuple[Any, ...]],
            local: Callable[..., Any] | None = None) -> Iterator[Any]:
    """`work(*batch)` for every batch (or `local(*batch)` where a batch is read in-process), in
    batch order. `work` must be picklable (module level). The batches are drawn lazily: at most
    IN_FLIGHT of them are read ahead of the results."""
    local = local or work
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if second is None:  # small file: no workers
        yield local(*first)
        return
    pool = _pool()
    pending: deque[tuple[Future[Any] | None, tuple[Any, ...]]] = deque()
    broken = False

    def submit(batch: tuple[Any, ...]) -> None:
        nonlocal broken
        if not broken:
            try:
                pending.append((pool.submit(work, *batch), batch))
                return
            except (BrokenProcessPool, RuntimeError):
                broken = True
        pending.append((None, batch))

    def collect(item: tuple[Future[Any] | None, tuple[Any, ...]]) -> Any:
        future, batch = item
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                pass
        return local(*batch)

    try:
        submit(first)
        submit(second)
        for batch in batches:
            while len(pending) >= IN_FLIGHT:
                yield collect(pending.popleft())
            submit(batch)
        while pending:
            yield collect(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
