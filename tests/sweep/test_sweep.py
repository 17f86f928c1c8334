"""Sweeps: specs (sampling, validation), running and resuming, the tidy table, the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vrest
from vrest.cli import main
from vrest.sweep import runner as sweep
from vrest.sweep import spec as sweep_spec

ROOT = Path(__file__).resolve().parents[2]
VREST = Path(sys.executable).parent / "vrest"
RPL1 = vrest.load_cell("rpl1")

SMALL = """
name = "small"
cell = "rpl1"
chunk_size = 7

[sampling]
mode = "grid"

[[vary]]
name = "leak.Na.P"
values = [2e-8, 4e-8, 1e-7]

[[vary]]
name = "bath.K"
geomspace = [2.0, 12.0, 6]

[task]
kind = "steady"
outputs = ["V", "E_K", "Na_i", "Cl_i", "atp", "I_pump", "stable"]
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def spec_of(text: str, tmp_path: Path) -> sweep_spec.SweepSpec:
    return sweep.load(write(tmp_path, text))


# -- sampling -------------------------------------------------------------------------------------

def test_grid_order_matches_design_s1_numbering() -> None:
    spec = sweep.load(ROOT / "examples" / "s1.toml")
    assert spec.n_cells == 10_000 and spec.n_chunks == 1
    p_na, k_o = spec.inputs["leak.Na.P"], spec.inputs["bath.K"]
    a, b = 37, 81  # cell i = 100 a + b: a indexes P_Na/P_K, b indexes K_o (fastest)
    assert p_na[100 * a + b] == pytest.approx(1e-6 * np.linspace(0.01, 0.2, 100)[a], rel=1e-14)
    assert k_o[100 * a + b] == pytest.approx(np.geomspace(1, 20, 100)[b], rel=1e-14)
    assert k_o[0] == 1.0 and k_o[99] == pytest.approx(20.0) and p_na[99] == p_na[0]


def test_zip_random_and_latin_sampling(tmp_path: Path) -> None:
    zipped = spec_of(SMALL.replace('mode = "grid"', 'mode = "zip"').replace(
        "geomspace = [2.0, 12.0, 6]", "values = [3.0, 4.0, 5.0]"), tmp_path)
    assert zipped.n_cells == 3 and list(zipped.inputs["bath.K"]) == [3.0, 4.0, 5.0]
    ranged = SMALL.replace("values = [2e-8, 4e-8, 1e-7]", "uniform = [2e-8, 1e-7]").replace(
        "geomspace = [2.0, 12.0, 6]", "loguniform = [1.0, 20.0]")
    for mode in ("random", "latin"):
        text = ranged.replace('mode = "grid"', f'mode = "{mode}"\nn = 50\nseed = 3')
        one, two = spec_of(text, tmp_path), spec_of(text, tmp_path)
        k = one.inputs["bath.K"]
        assert one.n_cells == 50 and np.array_equal(k, two.inputs["bath.K"])  # seeded
        assert np.all((k >= 1.0) & (k <= 20.0))
        assert np.all((one.inputs["leak.Na.P"] >= 2e-8) & (one.inputs["leak.Na.P"] <= 1e-7))
    # Latin hypercube: each of the 50 equal strata of (log) K_o holds exactly one cell
    latin = spec_of(ranged.replace('mode = "grid"', 'mode = "latin"\nn = 50\nseed = 3'), tmp_path)
    strata = np.floor(50 * np.log(latin.inputs["bath.K"]) / np.log(20.0)).astype(int)
    assert sorted(strata) == list(range(50))


# -- bad specs -------------------------------------------------------------------------------------

BAD = [
    ("cell = \"rpl1\"", "cell = \"nosuch\"", vrest.UnknownNameError, "unknown preset 'nosuch'"),
    ("name = \"bath.K\"", "name = \"bath.Kx\"", vrest.UnknownNameError, "valid: .*bath.K"),
    ("geomspace = [2.0, 12.0, 6]", "geomspace = [-2.0, 12.0, 6]", vrest.ParameterError,
     "bath.K.geomspace: start and stop must be > 0"),
    ("values = [2e-8, 4e-8, 1e-7]", "values = [2e-8, 4e-8, 3.0]", vrest.ParameterError,
     r"leak.Na.P: 3 is outside the allowed range \[0, 1\] cm/s"),
    ('mode = "grid"', 'mode = "sobol"', vrest.ParameterError, "sampling.mode: 'sobol' is not allowed"),
    ('mode = "grid"', 'mode = "random"', vrest.PresetError, "needs ranges"),
    ('mode = "grid"', 'mode = "zip"', vrest.ParameterError, "equal lengths"),
    ("chunk_size = 7", "chunk_size = 0", vrest.ParameterError, "chunk_size: 0 is not allowed"),
    ("chunk_size = 7", "chunk_size = 7\ncolour = 1", vrest.PresetError, r"unknown keys \['colour'\]"),
    ('"stable"]', '"stable", "Vm"]', vrest.UnknownNameError, "unknown output .*'Vm'"),
    ('kind = "steady"', 'kind = "steady"\ntimes = [1.0]', vrest.PresetError,
     "only apply to kind 'protocol'"),
    ('kind = "steady"\noutputs = ["V", "E_K", "Na_i", "Cl_i", "atp", "I_pump", "stable"]',
     'kind = "protocol"\nprotocol = "p1"\ntimes = [100.0, 9000.0]\noutputs = ["V"]',
     vrest.ParameterError, r"task.times: .* lie in \[0, 7200\] s"),
    ('kind = "steady"\noutputs = ["V", "E_K", "Na_i", "Cl_i", "atp", "I_pump", "stable"]',
     'kind = "protocol"\nprotocol = "p9"', vrest.UnknownNameError, "unknown protocol 'p9'"),
    ("[[vary]]\nname = \"bath.K\"\ngeomspace = [2.0, 12.0, 6]", "", vrest.ParameterError, ""),
]


@pytest.mark.parametrize(("old", "new", "error", "message"), BAD)
def test_bad_specs_get_clear_errors(tmp_path: Path, old: str, new: str, error: type,
                                    message: str) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new)
    if not message:  # dropping bath.K leaves a valid one-parameter sweep
        assert spec_of(text, tmp_path).n_cells == 3
        return
    with pytest.raises(error, match=message) as info:
        spec_of(text, tmp_path)
    assert str(tmp_path / "spec.toml") in str(info.value)  # the file is named


def test_a_python_cell_can_be_the_base(tmp_path: Path) -> None:
    cell = vrest.Cell(mechanisms=(vrest.GHKLeak(ion="K", P=1e-6),), name="K only")
    spec = sweep_spec.from_dict({"vary": [{"name": "bath.K", "geomspace": [1.0, 100.0, 5]}],
                                 "task": {"outputs": ["V", "E_K"]}}, cell=cell)
    table = sweep.run(spec, tmp_path / "out").table
    # only K permeant: V = E_K at every K_o (58-61 mV per decade at 37 degC)
    assert np.allclose(table["V_mV"], table["E_K_mV"], atol=1e-6)
    assert np.allclose(np.diff(table["V_mV"]), 0.5 * 61.54, rtol=1e-3)
    with pytest.raises(vrest.ParameterError, match="is not a vrest.Cell"):
        sweep_spec.from_dict({"vary": []}, cell="rpl1")  # type: ignore[arg-type]


def test_unreadable_or_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(vrest.PresetError, match="cannot be read"):
        sweep.load(tmp_path / "missing.toml")
    with pytest.raises(vrest.PresetError, match="not valid TOML"):
        spec_of("name = \n", tmp_path)
    with pytest.raises(vrest.PresetError, match=r"\[\[vary\]\]: give at least one"):
        spec_of('cell = "rpl1"\n', tmp_path)


# -- running ---------------------------------------------------------------------------------------

def test_run_gives_a_tidy_table_equal_to_single_cells(tmp_path: Path) -> None:
    spec = spec_of(SMALL, tmp_path)
    result = sweep.run(spec, tmp_path / "out", csv=True)
    table = result.table
    assert len(table) == 18 and list(table["cell"]) == list(range(18))
    assert list(table.columns) == ["cell", "leak.Na.P", "bath.K", "V_mV", "E_K_mV", "Na_i_mM",
                                   "Cl_i_mM", "atp_per_s", "I_pump_pA", "stable", "status",
                                   "message"]
    assert (table["status"] == "ok").all() and table["stable"].all()
    for i in (0, 5, 11, 17):
        row = table.iloc[i]
        one = vrest.steady_state(RPL1.with_parameters({"leak.Na.P": row["leak.Na.P"],
                                                       "bath.K": row["bath.K"]}))
        assert row["V_mV"] == pytest.approx(one.V[0], abs=1e-6)
        assert row["Cl_i_mM"] == pytest.approx(one.c_in[0, 2], rel=1e-9)
        assert row["I_pump_pA"] == pytest.approx(one.current["pump"][0], rel=1e-7)
    # stored alongside: the spec as written, the version, units; CSV equal to the Parquet
    out = tmp_path / "out"
    assert (out / "spec.toml").read_text() == SMALL
    meta = json.loads((out / "meta.json").read_text())
    assert meta["vrest_version"] == vrest.__version__ and meta["n_ok"] == 18
    assert meta["columns"]["V_mV"] == "mV" and meta["columns"]["bath.K"] == "mM"
    assert meta["columns"]["leak.Na.P"] == "cm/s"
    csv = pd.read_csv(out / "results.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(csv, table, check_dtype=False, check_exact=False, rtol=1e-12)
    assert "18 cells: 18 ok, 0 failed" in result.summary()


def test_failed_cells_are_marked_never_dropped_or_filled(tmp_path: Path) -> None:
    text = """
name = "pump block"
cell = "kay2017"
[[vary]]
name = "pump.scale"
values = [1.0, 0.0, 0.5]
[task]
outputs = ["V", "volume", "stable"]
"""
    table = sweep.run(spec_of(text, tmp_path), tmp_path / "out").table
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert "swells without bound" in table["message"][1] and table["message"][0] == ""
    assert np.isnan(table["V_mV"][1]) and np.isnan(table["volume_rel"][1])
    assert not table["stable"][1] and np.isfinite(table["V_mV"][[0, 2]]).all()


def test_resume_finishes_missing_chunks_only_and_equals_a_full_run(tmp_path: Path) -> None:
    spec = spec_of(SMALL, tmp_path)
    full = sweep.run(spec, tmp_path / "full").table
    part = tmp_path / "part"
    sweep.run(spec, part)
    for i in (0, 2):  # as if the run had been killed before these chunks were written
        (part / "chunks" / f"chunk-{i:06d}.parquet").unlink()
    (part / "results.parquet").unlink()
    (part / "chunks" / ".chunk-000002.parquet.tmp999").write_text("half-written")
    calls: list[tuple[int, int, int]] = []
    again = sweep.run(spec, part, progress=lambda *a: calls.append(a))
    assert again.chunks_run == 2 and again.chunks_resumed == 1 and again.cells_run == 11
    assert calls[0] == (7, 18, 1) and calls[-1] == (18, 18, 3)
    assert not list((part / "chunks").glob(".*tmp*"))
    pd.testing.assert_frame_equal(again.table, full)


def test_an_output_directory_of_another_spec_is_refused(tmp_path: Path) -> None:
    sweep.run(spec_of(SMALL, tmp_path), tmp_path / "out")
    other = spec_of(SMALL.replace("[2e-8, 4e-8, 1e-7]", "[2e-8, 5e-8, 1e-7]"), tmp_path)
    with pytest.raises(vrest.ParameterError, match="holds results of a different sweep spec"):
        sweep.run(other, tmp_path / "out")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(vrest.ParameterError, match="holds other files"):
        sweep.run(other, tmp_path / "busy")


def test_a_process_pool_gives_the_same_table(tmp_path: Path) -> None:
    spec = spec_of(SMALL, tmp_path)
    inproc = sweep.run(spec, tmp_path / "a").table
    pooled = sweep.run(spec, tmp_path / "b", workers=2).table
    pd.testing.assert_frame_equal(pooled, inproc)


STEP = """
name = "step"
t_end = 1200.0
dt = 10.0
[[event]]
t = 600.0
set = { "bath.K" = 10.0 }
label = "K_o to 10 mM"
"""


def test_protocol_task_samples_the_time_course_at_the_given_times(tmp_path: Path) -> None:
    write(tmp_path, STEP, "step.toml")  # found next to the spec
    text = SMALL.replace(
        'kind = "steady"\noutputs = ["V", "E_K", "Na_i", "Cl_i", "atp", "I_pump", "stable"]',
        'kind = "protocol"\nprotocol = "step.toml"\nstart = "steady"\ntimes = [0.0, 599.0, 1200.0]\n'
        'outputs = ["V", "K_i", "I_total"]').replace("geomspace = [2.0, 12.0, 6]",
                                                    "values = [2.5, 5.0]")
    table = sweep.run(spec_of(text, tmp_path), tmp_path / "out").table
    assert "V_mV_at_599s" in table.columns and "K_i_mM_at_1200s" in table.columns
    assert (table["status"] == "ok").all()
    step = vrest.load_protocol(tmp_path / "step.toml")
    for i in (0, 5):
        row = table.iloc[i]
        cell = RPL1.with_parameters({"leak.Na.P": row["leak.Na.P"], "bath.K": row["bath.K"]})
        ss = vrest.steady_state(cell)
        # started at the steady state, and stays there until the K_o step at 600 s
        assert row["V_mV_at_0s"] == pytest.approx(ss.V[0], abs=1e-6)
        assert row["V_mV_at_599s"] == pytest.approx(ss.V[0], abs=1e-4)
        assert abs(row["I_total_pA_at_599s"]) < 1e-3
        tc = vrest.simulate(cell, step, t_eval=np.array([1200.0]), y0=ss.state())
        assert row["V_mV_at_1200s"] == pytest.approx(tc.V[-1, 0], abs=1e-3)
        assert row["K_i_mM_at_1200s"] == pytest.approx(tc.c_in[-1, 0, 1], rel=1e-6)
        assert abs(row["V_mV_at_1200s"] - ss.V[0]) > 5.0  # the step really moved V


# -- command line ----------------------------------------------------------------------------------

def test_cli_runs_a_sweep_and_plots_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path, SMALL)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--csv"]) == 0
    out, err = capsys.readouterr()
    assert "sweep small: 18 cells: 18 ok, 0 failed" in out and "results.csv" in out
    assert "18/18 cells (100%)" in err and "cells/s" in err
    for args, kind in ((["--x", "bath.K", "--y", "leak.Na.P", "--color", "V_mV"], "heatmap"),
                       (["--x", "bath.K", "--y", "V_mV", "--color", "leak.Na.P"], "lines"),
                       (["--x", "E_K_mV", "--y", "V_mV"], "scatter")):
        png = tmp_path / f"{kind}.png"
        assert main(["sweep", "plot", str(tmp_path / "out"), *args, "--out", str(png)]) == 0
        assert f"({kind})" in capsys.readouterr().out
        assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "SPEC"], "--out DIR is required"),
    (["sweep", "SPEC", "--out", "OUT", "--workers", "0"], "--workers: 0 is outside"),
    (["sweep", "SPEC", "--out", "OUT", "--workers", "2", "--scheduler", "tcp://x:1"], "give one"),
    (["sweep", "SPEC", "--out", "OUT", "--x", "bath.K"], "--x: only for `vrest sweep plot`"),
    (["sweep", "plot", "OUT", "--x", "bath.K", "--y", "V_mV", "--out", "f.png"], "no results"),
    (["sweep", "plot", "DONE", "--x", "bath.Kx", "--y", "V_mV", "--out", "f.png"],
     "unknown column 'bath.Kx'"),
    (["sweep", "plot", "DONE", "--x", "bath.K", "--y", "status", "--out", "f.png"],
     "status: the column holds text"),
    (["sweep", "plot", "DONE", "--x", "bath.K", "--y", "V_mV", "--out", "f.txt"], "must be a .png"),
    (["sweep", "nosuch.toml", "--out", "OUT"], "cannot be read"),
    (["sweep", "plot"], "plot: give the sweep directory"),
    (["sweep", "plot", "DONE", "--x", "bath.K"], "plot: --y is required"),
    (["sweep", "SPEC", "DONE", "--out", "OUT"], "a directory is only for `vrest sweep plot DIR`"),
])
def test_cli_errors_are_one_line_with_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               args: list[str], message: str) -> None:
    spec = write(tmp_path, SMALL)
    done = tmp_path / "done"
    if "DONE" in args:
        sweep.run(sweep.load(spec), done)
    subst = {"SPEC": str(spec), "OUT": str(tmp_path / "out"), "DONE": str(done),
             "nosuch.toml": str(tmp_path / "nosuch.toml")}
    assert main([subst.get(a, a) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("vrest sweep: error:") and "Traceback" not in err
    assert err.count("\n") == 1  # one line


def test_real_process_runs_the_example_sweep(tmp_path: Path) -> None:
    proc = subprocess.run([str(VREST), "sweep", str(ROOT / "examples" / "s1.toml"), "--out",
                           str(tmp_path / "s1")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "10,000 cells: 10,000 ok, 0 failed" in proc.stdout
    table = pd.read_parquet(tmp_path / "s1" / "results.parquet")
    assert len(table) == 10_000 and table["stable"].all()
    # RPL-1 itself (P_Na/P_K 0.04, K_o 3.5 mM) lies between grid points; its neighbours bracket it
    v = table.set_index(["leak.Na.P", "bath.K"])["V_mV"]
    rpl1 = vrest.steady_state(RPL1).V[0]
    near = v[(np.abs(table["leak.Na.P"] - 4e-8) < 1.92e-9).to_numpy()
             & (np.abs(np.log(table["bath.K"] / 3.5)) < 0.031).to_numpy()]
    assert near.min() < rpl1 < near.max()


def test_progress_bar_formats(capsys: pytest.CaptureFixture[str]) -> None:
    bar = sweep.ProgressBar(sys.stderr)
    bar(0, 100, 0)
    bar(50, 100, 1)
    bar(100, 100, 2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("0/100 cells (0%) | 0 cells/s | time left: ?")
    assert "50/100 cells (50%)" in lines[1] and "s left" in lines[1]
    assert lines[2].startswith("vrest sweep 100/100 cells (100%)")
    assert "#" not in "".join(lines) and "\033[" not in "".join(lines)  # not a terminal: no bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_is_drawn_by_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = _Terminal()
    bar = sweep.ProgressBar(stream)
    assert bar.tty
    bar(0, 100, 0)
    bar(50, 100, 1)
    bar(100, 100, 2)
    out = stream.getvalue()
    assert "\033[" in out and "━" in out  # rich's escape codes and bar
    assert "100/100 cells (100%)" in out and "cells/s" in out
    assert bar.bar is None  # stopped when every cell is done: the cursor is back


def test_shipped_example_specs_are_valid() -> None:
    """The docs run both (tests/test_docs.py); here their sizes are checked."""
    assert sweep.load(ROOT / "examples" / "s1.toml").n_cells == 10_000
    spec = sweep.load(ROOT / "examples" / "s1_p1.toml")  # the other shipped example is valid
    assert spec.n_cells == 1000 and spec.task.times[-1] == 7200.0
