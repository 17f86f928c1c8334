"""The server's compute budget: every computation in a worker process that can be stopped.

Each compute request (simulate, steady, explain, guide) runs in its own process, forked from
a forkserver that has vrest imported, so a request that runs past its wall-time budget
(``max_seconds``, ``vrest serve --max-seconds``), or whose client has gone, is ended with a
kill: its CPU is freed at once. At most ``workers`` computations run at a time; at most
``queue`` more wait; any request beyond that is answered 503 with ``Retry-After``. Every
outcome (result, refusal, time-out) is cached by request, so a repeat costs nothing. The
event loop itself never computes: ``/api/health`` is always answered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from vrest.web.defaults import DEFAULT_QUEUE, DEFAULT_SECONDS, DEFAULT_WORKERS  # noqa: F401

CACHE_SIZE = 512
#: Budget multipliers: the guide computes a preset's whole story (one of a fixed list of
#: presets, cached once computed), so it gets three budgets.
SCALE = {"guide": 3.0}
POLL_S = 0.02


@dataclass(frozen=True)
class Outcome:
    """A computation's answer: HTTP status and JSON body."""

    status: int
    body: Any
    retry_after: int | None = None
    cached: bool = False


class Budget:
    """Runs computations in stoppable worker processes (see the module docstring)."""

    def __init__(self, max_seconds: float = DEFAULT_SECONDS, workers: int = DEFAULT_WORKERS,
                 queue: int = DEFAULT_QUEUE) -> None:
        self.max_seconds, self.workers, self.queue = float(max_seconds), int(workers), int(queue)
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._cache: OrderedDict[tuple[str, str], Outcome] = OrderedDict()
        self._ctx = multiprocessing.get_context("forkserver")
        # the workers start with the compiled solvers loaded (numba), not the interpreted tier
        self._ctx.set_forkserver_preload(["vrest.web.worker", "vrest.solve.compiled",
                                          "vrest.solve.steady_compiled"])

    async def run(self, kind: str, key: str,
                  gone: Callable[[], Awaitable[bool]] | None = None) -> Outcome:
        """The outcome of computation ``kind`` for request ``key`` (cached)."""
        cached = self._cache.get((kind, key))
        if cached is not None:
            self._cache.move_to_end((kind, key))
            return dataclasses.replace(cached, cached=True)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        if self._waiting >= self.workers + self.queue:
            return Outcome(503, {"error": f"the server is busy ({self._waiting} computations "
                                          "running or waiting); try again in a few seconds"},
                           retry_after=max(1, round(self.max_seconds)))
        self._waiting += 1
        try:
            start = time.monotonic()
            async with self._slots:
                left = self.max_seconds * SCALE.get(kind, 1.0) - (time.monotonic() - start)
                if left <= 0:
                    return self._timeout(queued=True)
                outcome = await self._compute(kind, key, left, gone)
        finally:
            self._waiting -= 1
        if outcome.status != 499:  # a client that went away: nothing learned, nothing kept
            self._remember((kind, key), outcome)
        return outcome

    async def warm(self) -> None:
        """Start the worker machinery (the forkserver, with vrest loaded) ahead of requests."""
        await self._compute("noop", "", max(self.max_seconds, 30.0), None)

    def _remember(self, key: tuple[str, str], outcome: Outcome) -> None:
        self._cache[key] = outcome
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _timeout(self, queued: bool = False) -> Outcome:
        where = "waiting for a free worker" if queued else "computing"
        return Outcome(422, {"error": f"compute budget exceeded: stopped after {self.max_seconds:g}"
                                      f" s of wall time ({where}); ask for a shorter t_end or a "
                                      "less extreme cell (vrest serve --max-seconds sets the "
                                      "budget)"})

    async def _compute(self, kind: str, key: str, seconds: float,
                       gone: Callable[[], Awaitable[bool]] | None) -> Outcome:
        from vrest.web.worker import work

        receiver, sender = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=work, args=(kind, key, sender), daemon=True)
        proc.start()
        sender.close()
        deadline = time.monotonic() + seconds
        try:
            while True:
                if receiver.poll():
                    return _received(receiver)
                if not proc.is_alive() and not receiver.poll():
                    return Outcome(422, {"error": f"the computation ended without an answer "
                                                  f"(exit status {proc.exitcode})"})
                if time.monotonic() > deadline:
                    return self._timeout()
                if gone is not None and await gone():
                    return Outcome(499, {"error": "client closed the request"})
                await asyncio.sleep(POLL_S)
        finally:
            if proc.is_alive():
                proc.kill()
            receiver.close()
            await asyncio.to_thread(proc.join, 2)  # reaped off the event loop


def _received(receiver: Connection) -> Outcome:
    try:
        status, body = receiver.recv()
    except (EOFError, OSError) as exc:
        return Outcome(422, {"error": f"the computation ended without an answer ({exc})"})
    return Outcome(int(status), body)
