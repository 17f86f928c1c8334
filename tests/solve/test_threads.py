"""vrest.solve.threads: shares of a batch, the pool, and a forked child's own pool."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import numpy as np

from vrest.solve import threads


def _total(rows: np.ndarray) -> int:
    return int(rows.sum())


def test_interleaved_shares_cover_every_index_once() -> None:
    for n, min_share in ((1, 1), (10, 3), (10_000, 2000), (7, 100)):
        shares = threads.interleaved(n, min_share)
        assert 1 <= len(shares) <= threads.cores()
        assert np.array_equal(np.sort(np.concatenate(shares)), np.arange(n))


def _child(queue: Any) -> None:
    queue.put(sum(threads.run(_total, threads.interleaved(10_000, 10))))


def test_a_forked_child_makes_its_own_pool() -> None:
    """The pool is used before the fork; the child still gets its answer (it would wait forever
    on the parent's threads, which a forked child does not have)."""
    assert sum(threads.run(_total, threads.interleaved(10_000, 10))) == 49_995_000
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    assert queue.get(timeout=60) == 49_995_000
    proc.join(timeout=60)
    assert proc.exitcode == 0
