"""Outputs: every write checks its target, reports "cannot write X: reason" in one line with
exit 2, is atomic, and takes the figure format from a known suffix; warnings never reach the
terminal; the smaller cases of issue 18."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from vrest.cli import main, writes
from vrest.errors import ParameterError


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("target", "why"), [
    (".", "cannot write .: it is a directory; give a file name such as v.png"),
    ("/nonexistent/dir/x.png", "cannot write /nonexistent/dir/x.png: the folder '/nonexistent/dir' does not exist"),
    ("x.xyz", "cannot write x.xyz: the figure format comes from the suffix: it must be a .png, .svg or .pdf file"),
    ("/dev/full", "cannot write /dev/full: not a regular file (a device or FIFO)"),
])
def test_simulate_plot_targets(target: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["simulate", "--t-end", "1", "--plot", target], capsys)
    assert f"vrest simulate: error: --plot: {why}" in err


@pytest.mark.parametrize("command", [["simulate", "--t-end", "1", "--csv"], ["story", "--html"],
                                     ["story", "--png"], ["experiment", "kout", "--points", "3", "--out"]])
def test_every_writer_refuses_a_device(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails([*command, "/dev/full"], capsys)
    assert "cannot write /dev/full: not a regular file" in err


def test_a_figure_is_written_with_its_format_and_reported(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        path = tmp_path / f"v{suffix}"
        assert main(["simulate", "--t-end", "1", "--plot", str(path)]) == 0
        assert path.read_bytes().startswith(magic)
        assert f"wrote figure: {path}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.pdf", "v.png", "v.svg"]  # no temp files


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    def full(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "t.csv"
    with pytest.raises(ParameterError, match=f"--csv: cannot write {target}: No space left on device"):
        writes.write_file(target, "--csv", full)
    assert list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(ParameterError):
        writes.write_file(target, "--csv", full)
    assert target.read_text() == "old"  # the earlier file is kept whole


def test_sweep_plot_refuses_a_bad_figure_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["sweep", "plot", str(tmp_path), "--x", "a", "--y", "b", "--out", str(tmp_path)], capsys)
    assert "it is a directory" in err


# -- warnings and the smaller cases ------------------------------------------------------------

def test_no_numpy_warning_reaches_the_terminal_and_the_error_names_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["ghk", "--perm", "K=1e308,Na=0.04,Cl=0.45"], capsys)
    assert "--perm K: 1e+308 is not allowed; permeabilities relative to P_K must be in [0, 1e+06]" in err
    assert "nan mV" not in err


def test_a_preset_with_a_vanishing_concentration_prints_no_numba_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import resources

    text = resources.files("vrest.model").joinpath("presets", "rpl1.toml").read_text()
    path = tmp_path / "tiny.toml"
    path.write_text(text.replace("K = 140.0", "K = 1e-300", 1))
    status = main(["steady", "--preset", str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 2) and "Exception ignored" not in err and "Warning" not in err
    assert status == 0 or err.count("\n") == 1


def test_story_near_zero_kelvin_does_not_blame_the_bath(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["story", "--temp", "0.1K"])
    out, err = capsys.readouterr()
    assert "bath.K: 0" not in err + out
    assert status == 0 and "Warning" not in err


def test_a_long_preset_name_is_not_echoed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["steady", "--preset", "x" * 60_000], capsys)
    assert len(err) < 1_000


def test_warnings_are_silenced_only_inside_a_command() -> None:
    import warnings

    before = warnings.filters[:]
    assert main(["nernst", "K", "--in", "140", "--out", "5"]) == 0
    assert warnings.filters == before and os.environ.get("PYTHONWARNINGS") is None
