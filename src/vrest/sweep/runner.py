"""Many cells at once: a sweep runs a spec's cells through the vectorised model, chunk by chunk.

    spec = vrest.sweep.load("examples/s1.toml")        # or vrest.sweep.spec.from_dict({...})
    result = vrest.sweep.run(spec, "out/s1")           # in-process, vectorised
    result = vrest.sweep.run(spec, "out/s1", workers=2)  # a local process pool
    result = vrest.sweep.run(spec, "out/s1", scheduler="tcp://host:8786")  # a Dask cluster
    result.table                                        # one row per cell: inputs, outputs, status

Each chunk of cells is one batched call: :func:`vrest.steady_state` (task ``steady``) or
:func:`vrest.simulate` through a protocol (task ``protocol``, outputs sampled at given times).
A cell that fails is marked (``status`` = "failed" with a ``message``), never dropped or filled;
its outputs are NaN. Chunks are independent and deterministic, so a sweep split over
processes or machines, or interrupted and resumed (vrest.sweep.store), gives the same table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, VrestError
from vrest.model.cell import Cell
from vrest.model.rhs import Model
from vrest.sweep import memory
from vrest.sweep.progress import ProgressBar
from vrest.sweep.spec import SweepSpec, from_dict, load
from vrest.sweep.store import SweepStore
from vrest.sweep.task import OUTPUTS, STEADY_ONLY, Task

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
Progress = Callable[[int, int, int], None]  # (cells done, cells in total, chunks done)
CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler

__all__ = ["Job", "ProgressBar", "SweepResult", "compute", "from_dict", "load", "run"]


@dataclass(frozen=True)
class Job:
    """One chunk of cells to compute (picklable: sent to worker processes and Dask)."""

    index: int
    cell: Cell
    task: Task
    cells: NDArray[np.int64]
    inputs: dict[str, FloatArray]


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the table and what happened."""

    table: Any  # pandas DataFrame, one row per cell
    directory: Path
    n_cells: int
    n_ok: int
    n_failed: int
    cells_run: int
    chunks_run: int
    chunks_resumed: int
    seconds: float
    rejected: tuple[tuple[int, str], ...] = ()  # chunks found unsound on resuming, recomputed

    def summary(self) -> str:
        """One paragraph: counts, time, rate and where the table is."""
        rate = self.cells_run / self.seconds if self.seconds > 0 else math.inf
        resumed = f"; {self.chunks_resumed} chunk(s) were already done" if self.chunks_resumed \
            else ""
        redone = "".join(f"chunk {i}: {why}; recomputed\n" for i, why in self.rejected)
        return (redone + f"{self.n_cells:,} cells: {self.n_ok:,} ok, {self.n_failed:,} failed\n"
                f"{self.cells_run:,} cells in {self.chunks_run} chunk(s) computed in "
                f"{self.seconds:.2f} s ({rate:,.0f} cells/s){resumed}\n"
                f"results: {self.directory / 'results.parquet'}")


def run(spec: SweepSpec, out: str | Path, scheduler: str | None = None,
        workers: int | None = None, csv: bool = False,
        progress: Progress | None = None) -> SweepResult:
    """Run (or resume) ``spec`` into directory ``out`` and return the finished table.

    ``scheduler``: address of a Dask distributed scheduler (chunks become tasks there);
    ``workers``: size of a local process pool (default: in this process); ``csv``: also
    write results.csv; ``progress(cells_done, cells_total, chunks_done)`` after each chunk.
    """
    if workers is not None and (isinstance(workers, bool) or not 1 <= int(workers) <= 1024):
        raise ParameterError(f"workers: {workers!r} is not allowed; must be an integer in [1, 1024]")
    if scheduler is not None:
        check_scheduler(scheduler)
    else:  # a cluster's workers have their own memory
        n_state = int(Model(spec.cell).y0.shape[1])
        too_big = memory.check(spec.task.kind, n_state, min(spec.chunk_size, spec.n_cells),
                               int(workers or 1))
        if too_big:
            raise ParameterError(f"sweep {spec.name}: {too_big}")
    store = SweepStore(out)
    done = store.open(spec)
    todo = [i for i in range(spec.n_chunks) if i not in done]
    jobs = [job(spec, i) for i in todo]
    start = time.perf_counter()
    cells_done = sum(len(spec.chunk(i)[0]) for i in done)
    if progress:
        progress(cells_done, spec.n_cells, len(done))
    for n, (i, table) in enumerate(_execute(jobs, scheduler, workers, spec.digest()), 1):
        store.write_chunk(i, table, spec)
        cells_done += len(table)
        if progress:
            progress(cells_done, spec.n_cells, len(done) + n)
    seconds = time.perf_counter() - start
    table = store.finish(spec, csv=csv, seconds=seconds)
    n_ok = int((table["status"] == "ok").sum())
    return SweepResult(table, Path(out), spec.n_cells, n_ok, spec.n_cells - n_ok,
                       sum(len(j.cells) for j in jobs), len(todo), len(done), seconds,
                       tuple(store.rejected))


def job(spec: SweepSpec, i: int) -> Job:
    """The job of chunk ``i``."""
    cells, inputs = spec.chunk(i)
    return Job(i, spec.cell, spec.task, cells, inputs)


# -- executing ----------------------------------------------------------------------------------

def _execute(jobs: list[Job], scheduler: str | None, workers: int | None,
             digest: str) -> Iterator[tuple[int, Any]]:
    if not jobs:
        return iter(())
    if scheduler:
        return _on_dask(jobs, scheduler, digest)
    if workers and workers > 1:
        return _on_pool(jobs, int(workers))
    return ((j.index, compute(j)) for j in jobs)


def _on_pool(jobs: list[Job], workers: int) -> Iterator[tuple[int, Any]]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(compute, j): j.index for j in jobs}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BrokenProcessPool:
            raise VrestError("a worker process died; the finished chunks are saved: run the "
                             "same command again to finish the others") from None


def check_scheduler(address: str) -> None:
    """Refuse a scheduler address with an unknown protocol or no port before any work."""
    from distributed.comm.addressing import get_address_host_port
    from distributed.comm.registry import backends

    scheme, sep, _ = address.partition("://")
    if sep and scheme not in backends:
        raise ParameterError(f"--scheduler {address[:80]}: unknown protocol {scheme[:20]!r}; valid: "
                             f"{', '.join(sorted(backends))} (e.g. tcp://host:8786)")
    if scheme != "inproc":
        try:
            get_address_host_port(address)
        except ValueError as exc:
            raise ParameterError(f"--scheduler {address[:80]}: cannot connect ({exc}); give an "
                                 "address such as tcp://host:8786") from None


def _on_dask(jobs: list[Job], address: str, digest: str) -> Iterator[tuple[int, Any]]:
    """Chunks as Dask tasks. A lost worker's tasks are recomputed by the scheduler; results
    are gathered here as they finish (and written by the caller)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:  # pragma: no cover
        raise ParameterError("--scheduler: needs dask.distributed (pip install 'vrest[sweep]')") \
            from None
    check_scheduler(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # distributed raises OSError, TimeoutError, ValueError, ...
        raise ParameterError(f"--scheduler {address[:80]}: cannot connect ({type(exc).__name__}: "
                             f"{str(exc)[:120]})") from None
    try:
        futures = {client.submit(compute, j, key=f"vrest-sweep-{digest[:16]}-{j.index}",
                                 retries=5, pure=False): j.index for j in jobs}
        for fut in as_completed(futures, loop=client.loop):
            table = fut.result()
            yield futures[fut], table
            fut.release()
    finally:
        client.close()


# -- one chunk -----------------------------------------------------------------------------------

def compute(job: Job) -> Any:
    """The table of one chunk: cell numbers, inputs, outputs, status and message."""
    import pandas as pd

    if job.task.kind == "steady":
        outputs, ok, messages = _steady(job)
    else:
        outputs, ok, messages = _protocol(job)
    cols: dict[str, Any] = {"cell": job.cells, **job.inputs, **outputs}
    cols["status"] = np.where(ok, "ok", "failed")
    cols["message"] = messages
    return pd.DataFrame(cols)


def _steady(job: Job) -> tuple[dict[str, Any], NDArray[np.bool_], list[str]]:
    from vrest.solve.steady import steady_state

    ss = steady_state(job.cell, batch=job.inputs, raise_on_failure=False)
    out = {}
    for name in job.task.outputs:
        column = (OUTPUTS | STEADY_ONLY).get(name, (f"{name}_pA", ""))[0]
        out[column] = _steady_value(ss, name)
    return out, ss.converged, ["" if ok else m for ok, m in zip(ss.converged, ss.message, strict=True)]


def _steady_value(ss: Any, name: str) -> Any:
    nan = np.where(ss.converged, 1.0, np.nan)
    if name == "stable":
        return np.asarray(ss.stable, dtype=bool)
    if name == "tau_slowest":
        real = np.where(np.real(ss.eigenvalues) < 0, np.real(ss.eigenvalues), -np.inf)
        with np.errstate(all="ignore"):
            return np.where(np.isfinite(real.max(axis=1)), -1.0 / real.max(axis=1), np.nan) * nan
    if name == "X_i":
        return ss.y[:, 4] / ss.volume_rel
    fields = {"V": ss.V, "volume": ss.volume_rel, "atp": ss.atp_per_s,
              "I_total": sum(ss.current.values(), np.zeros(ss.batch_size)) * nan}
    return fields[name] if name in fields else _ionic(name, ss.E, ss.c_in, ss.current)


def _ionic(name: str, e: FloatArray, c_in: FloatArray, current: dict[str, FloatArray]) -> Any:
    if name.startswith("E_"):
        return e[..., IONS.index(name[2:])]
    if name.endswith("_i"):
        return c_in[..., IONS.index(name[:-2])]
    return current[name[2:]]  # I_<mechanism>


def _protocol(job: Job) -> tuple[dict[str, Any], NDArray[np.bool_], list[str]]:
    """Simulate the chunk through the protocol; cells are isolated only if the batch fails."""
    n = job.cells.size
    ok, messages = np.ones(n, bool), [""] * n
    y0 = None
    if job.task.start == "steady":
        from vrest.solve.steady import steady_state

        ss = steady_state(job.cell, batch=job.inputs, raise_on_failure=False)
        ok &= ss.converged
        for i in np.flatnonzero(~ss.converged):
            messages[i] = f"no steady state to start from: {ss.message[i]}"
        y0 = ss.y
    values = {c: np.full(n, np.nan) for c in job.task.columns(_mechs(job.cell))}
    for idx, tc, error in _simulations(job, np.flatnonzero(ok), y0):
        if tc is None:
            ok[idx] = False
            for i in idx:
                messages[i] = error
            continue
        for column, series in _series(job.task, tc).items():
            values[column][idx] = series
    return values, ok, messages


def _mechs(cell: Cell) -> tuple[str, ...]:
    return tuple(m.name for m in cell.mechanisms)


def _simulations(job: Job, idx: NDArray[np.int_], y0: FloatArray | None) -> Iterable[
        tuple[NDArray[np.int_], Any, str]]:
    """(cells, TimeCourse or None, error) for the whole batch, or cell by cell on failure."""
    from vrest.solve.simulate import simulate

    def one(sel: NDArray[np.int_]) -> Any:
        return simulate(job.cell, job.task.protocol, t_eval=np.array(job.task.times),
                        batch={k: v[sel] for k, v in job.inputs.items()},
                        y0=None if y0 is None else y0[sel], rtol=job.task.rtol)

    if idx.size == 0:
        return
    try:
        yield idx, one(idx), ""
        return
    except VrestError as exc:
        if idx.size == 1:
            yield idx, None, f"the time course failed: {exc}"
            return
    for i in idx:
        try:
            yield np.array([i]), one(np.array([i])), ""
        except VrestError as exc:
            yield np.array([i]), None, f"the time course failed: {exc}"


def _series(task: Task, tc: Any) -> dict[str, FloatArray]:
    """Output columns (each (B,)) at every requested time of a TimeCourse."""
    out = {}
    for j, t in enumerate(task.times):
        for name in task.outputs:
            stem = OUTPUTS.get(name, (f"{name}_pA", ""))[0]
            out[f"{stem}_at_{t:g}s"] = _tc_value(tc, name, j)
    return out


def _tc_value(tc: Any, name: str, j: int) -> FloatArray:
    fields = {"V": tc.V, "volume": tc.volume_rel, "atp": tc.atp_total, "X_i": tc.X,
              "I_total": tc.current_total}
    if name in fields:
        return np.asarray(fields[name][j])
    return np.asarray(_ionic(name, tc.E[j], tc.c_in[j], {k: v[j] for k, v in tc.current.items()}))
