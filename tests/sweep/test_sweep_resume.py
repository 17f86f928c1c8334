"""A `vrest sweep` process killed mid-way, started again with the same spec and output, finishes
the missing chunks only; the final table equals an uninterrupted run's."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from vrest.cli import main
from vrest.sweep import runner as sweep

VREST = Path(sys.executable).parent / "vrest"

STEP = """
name = "step"
t_end = 1800.0
dt = 10.0
[[event]]
t = 600.0
set = { "bath.K" = 10.0 }
"""

SPEC = """
name = "resume"
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
times = [599.0, 1800.0]
outputs = ["V", "K_i"]
"""


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "step.toml").write_text(STEP)
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC)
    out = tmp_path / "out"
    proc = subprocess.Popen([str(VREST), "sweep", str(spec_path), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks = out / "chunks"
    deadline = time.monotonic() + 120
    while not list(chunks.glob("chunk-*.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no chunk written in 120 s"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)  # mid-way: right after the first chunk landed
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    written = sorted(p.name for p in chunks.glob("chunk-*.parquet"))
    assert 1 <= len(written) < 8, written  # really interrupted
    assert not (out / "results.parquet").exists()
    assert json.loads((out / "meta.json").read_text())["finished"] is None

    assert main(["sweep", str(spec_path), "--out", str(out), "--quiet"]) == 0
    report = capsys.readouterr().out
    assert f"{len(written)} chunk(s) were already done" in report
    assert f"in {8 - len(written)} chunk(s) computed" in report
    resumed = pd.read_parquet(out / "results.parquet")

    full = sweep.run(sweep.load(spec_path), tmp_path / "uninterrupted").table
    assert len(resumed) == 24 and (resumed["status"] == "ok").all()
    pd.testing.assert_frame_equal(resumed, full)
