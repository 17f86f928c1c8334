"""One pool of threads per process for the solvers' compiled loops and LAPACK calls (both
release the GIL): batches are shared among the cores without starting threads per call."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")


def cores() -> int:
    """Cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="vrest")


# A forked child (multiprocessing's "fork", Dask's workers) inherits the pool without its
# threads: it makes its own on first use instead of waiting on threads that are not there.
os.register_at_fork(after_in_child=_pool.cache_clear)


def run(fn: Callable[[T], Any], shares: Sequence[T]) -> list[Any]:
    """``fn`` of each share, on the pool (in this thread when there is one share)."""
    if len(shares) == 1:
        return [fn(shares[0])]
    return list(_pool().map(fn, shares))


def interleaved(n: int, min_share: int) -> list[NDArray[np.int_]]:
    """Indices 0..n-1 dealt to at most ``cores()`` shares of at least ``min_share`` each
    (interleaved, so that neighbouring, similar cells spread evenly)."""
    k = max(1, min(cores(), n // max(1, min_share)))
    return [np.arange(i, n, k) for i in range(k)]
