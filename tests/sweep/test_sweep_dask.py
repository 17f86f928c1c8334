"""Sweeps on a real dask.distributed LocalCluster: the same table as in-process, and every row
even when a worker is killed mid-sweep (its chunks are recomputed)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import vrest
from vrest.sweep import runner as sweep

pytest.importorskip("dask.distributed")  # part of vrest[sweep]; installed in CI

STEP = """
name = "step"
t_end = 1800.0
dt = 10.0
[[event]]
t = 600.0
set = { "bath.K" = 10.0 }
[[event]]
t = 1200.0
restore = ["bath.K"]
"""

SPEC = """
name = "dask-step"
cell = "rpl1"
chunk_size = 3
[[vary]]
name = "leak.Na.P"
values = [2e-8, 4e-8, 8e-8]
[[vary]]
name = "bath.K"
geomspace = [2.0, 12.0, 8]
[task]
kind = "protocol"
protocol = "step.toml"
times = [599.0, 1199.0, 1800.0]
outputs = ["V", "Na_i"]
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def spec_and_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, pd.DataFrame]:
    root = tmp_path_factory.mktemp("dask")
    (root / "step.toml").write_text(STEP)
    (root / "spec.toml").write_text(SPEC)
    spec = sweep.load(root / "spec.toml")
    return spec, sweep.run(spec, root / "reference").table


def test_dask_cluster_gives_the_in_process_table(cluster: object, tmp_path: Path,
                                                 spec_and_reference: tuple[object, pd.DataFrame]
                                                 ) -> None:
    spec, reference = spec_and_reference
    result = sweep.run(spec, tmp_path / "out", scheduler=cluster.scheduler_address)  # type: ignore[attr-defined]
    assert result.chunks_run == 8 and len(result.table) == 24
    pd.testing.assert_frame_equal(result.table, reference)


def test_killed_worker_chunks_are_recomputed_and_every_row_is_there(
        cluster: object, tmp_path: Path, spec_and_reference: tuple[object, pd.DataFrame]) -> None:
    from dask.distributed import Client

    spec, reference = spec_and_reference
    with Client(cluster, set_as_default=False) as client:
        before = client.run(os.getpid)
    victim = next(iter(before.values()))
    killed: list[int] = []

    def kill_after_first_chunk(done: int, total: int, chunks: int) -> None:
        if chunks >= 1 and not killed:
            os.kill(victim, signal.SIGKILL)  # mid-sweep: other chunks are running or queued
            killed.append(victim)

    result = sweep.run(spec, tmp_path / "out", scheduler=cluster.scheduler_address,  # type: ignore[attr-defined]
                       progress=kill_after_first_chunk)
    assert killed and result.chunks_run == 8
    assert list(result.table["cell"]) == list(range(24))
    assert (result.table["status"] == "ok").all()
    pd.testing.assert_frame_equal(result.table, reference)
    with Client(cluster, set_as_default=False) as client:
        assert victim not in client.run(os.getpid).values()  # that worker really died


@pytest.mark.parametrize(("address", "why"), [("nonsense://host:1", "unknown protocol 'nonsense'"),
                                             ("missing-port", "cannot connect")])
def test_bad_scheduler_address_is_a_clear_error(tmp_path: Path, address: str, why: str,
                                                spec_and_reference: tuple[object, pd.DataFrame]
                                                ) -> None:
    spec, _ = spec_and_reference
    with pytest.raises(vrest.ParameterError, match=f"--scheduler {address}: {why}"):
        sweep.run(spec, tmp_path / "out", scheduler=address)
