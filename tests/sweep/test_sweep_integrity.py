"""Chunk files prove their integrity: resume recomputes every chunk that is truncated, zeroed,
emptied, swapped with another chunk, altered or lacks its record, to a table identical to an
uninterrupted run; output errors are one line; a chunk size that cannot fit is refused first."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vrest import sweep
from vrest.cli import main
from vrest.errors import ParameterError
from vrest.sweep import chunks, memory
from vrest.sweep.spec import from_dict

SPEC = {"name": "integrity", "cell": "rpl1", "chunk_size": 7, "sampling": {"mode": "grid"},
        "vary": [{"name": "leak.Na.P", "values": [2e-8, 4e-8, 1e-7]},
                 {"name": "bath.K", "geomspace": [2.0, 12.0, 6]}],
        "task": {"kind": "steady", "outputs": ["V", "Na_i", "atp"]}}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, pd.DataFrame, Path]:
    spec = from_dict(SPEC)
    out = tmp_path_factory.mktemp("ref") / "run"
    table = sweep.run(spec, out).table
    assert spec.n_chunks == 3
    return spec, table, out


def _chunk(root: Path, i: int) -> Path:
    return root / "chunks" / f"chunk-{i:06d}.parquet"


def _truncate(root: Path) -> None:
    path = _chunk(root, 1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _zero(root: Path) -> None:
    path = _chunk(root, 1)
    path.write_bytes(bytes(path.stat().st_size))


def _empty(root: Path) -> None:
    _chunk(root, 1).write_bytes(b"")


def _swap(root: Path) -> None:  # chunk 0 copied over chunk 1 (the same row count: 7 cells)
    shutil.copyfile(_chunk(root, 0), _chunk(root, 1))


def _exchange(root: Path) -> None:  # chunks 0 and 2 trade places (2 holds 4 cells)
    a, b = _chunk(root, 0), _chunk(root, 2)
    tmp = a.with_name("x")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _alter(root: Path) -> None:  # one value changed, the record kept
    path = _chunk(root, 1)
    table = pq.read_table(path)
    frame = table.to_pandas()
    frame.loc[3, "V_mV"] += 0.5
    altered = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(altered.replace_schema_metadata(table.schema.metadata), path)


def _no_record(root: Path) -> None:
    path = _chunk(root, 1)
    pd.read_parquet(path).to_parquet(path, index=False)


DAMAGE = {"truncated": (_truncate, [1]), "zeroed": (_zero, [1]), "empty": (_empty, [1]),
          "swapped": (_swap, [1]), "exchanged": (_exchange, [0, 2]), "altered": (_alter, [1]),
          "no record": (_no_record, [1])}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_resume_recomputes_damaged_chunks_to_the_same_table(
        damage: str, reference: tuple[object, pd.DataFrame, Path], tmp_path: Path) -> None:
    spec, table, ref_dir = reference
    out = tmp_path / "run"
    shutil.copytree(ref_dir, out)
    (out / "results.parquet").unlink()
    hurt, expected = DAMAGE[damage]
    hurt(out)
    result = sweep.run(spec, out)
    assert [i for i, _ in result.rejected] == expected
    assert result.chunks_run == len(expected)
    assert "recomputed" in result.summary() and f"chunk {expected[0]}:" in result.summary()
    pd.testing.assert_frame_equal(result.table, table)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), table)
    again = sweep.run(spec, out)  # now every chunk is sound: nothing is recomputed
    assert again.rejected == () and again.chunks_run == 0


def test_each_damage_is_named(reference: tuple[object, pd.DataFrame, Path], tmp_path: Path) -> None:
    spec, _, ref_dir = reference
    reasons = {}
    for damage, (hurt, expected) in DAMAGE.items():
        out = tmp_path / damage.replace(" ", "_")
        shutil.copytree(ref_dir, out)
        hurt(out)
        i = expected[0]
        first = i * spec.chunk_size
        stop = min(spec.n_cells, first + spec.chunk_size)
        reasons[damage] = chunks.verify(_chunk(out, i), i, first, stop, spec.digest())
    assert reasons["truncated"].startswith("unreadable")
    assert reasons["empty"].startswith("unreadable")
    assert reasons["swapped"] == "index is 0, expected 1"
    assert reasons["altered"] == "checksum mismatch (values altered)"
    assert reasons["no record"] == "no integrity record"
    assert chunks.verify(_chunk(ref_dir, 0), 0, 0, 7, spec.digest()) is None


def test_the_cli_says_which_chunks_were_recomputed(reference: tuple[object, pd.DataFrame, Path],
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, table, _ = reference
    out = tmp_path / "run"
    spec_file = tmp_path / "s.toml"
    spec_file.write_text('name = "integrity"\ncell = "rpl1"\nchunk_size = 7\n[sampling]\n'
                         'mode = "grid"\n[[vary]]\nname = "leak.Na.P"\nvalues = [2e-8, 4e-8, 1e-7]\n'
                         '[[vary]]\nname = "bath.K"\ngeomspace = [2.0, 12.0, 6]\n[task]\n'
                         'kind = "steady"\noutputs = ["V", "Na_i", "atp"]\n')
    assert main(["sweep", str(spec_file), "--out", str(out), "--quiet"]) == 0
    assert "recomputed" not in capsys.readouterr().out
    _truncate(out)
    assert main(["sweep", str(spec_file), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "chunk 1: unreadable (ArrowInvalid); recomputed" in printed, printed
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), table)


# -- output errors and memory -------------------------------------------------------------------

@pytest.mark.parametrize(("target", "why"), [
    ("FILE", "not a directory"), ("/dev/null", "not a directory"), ("/dev/full", "not a directory")])
def test_sweep_out_onto_a_file_or_device_is_one_line(target: str, why: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    spec_file = tmp_path / "s.toml"
    spec_file.write_text('name = "x"\ncell = "rpl1"\n[sampling]\nmode = "grid"\n[[vary]]\n'
                         'name = "bath.K"\nvalues = [2.0]\n[task]\nkind = "steady"\noutputs = ["V"]\n')
    if target == "FILE":
        target = str(tmp_path / "afile")
        Path(target).write_text("x")
    assert main(["sweep", str(spec_file), "--out", target, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write {target}: {why}" in err


def test_a_full_disk_while_writing_a_chunk_is_one_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(chunks, "write", full)
    with pytest.raises(ParameterError, match="cannot write .*chunk-000000.parquet: No space left"):
        sweep.run(from_dict(SPEC), tmp_path / "out")


def test_a_chunk_size_that_does_not_fit_is_refused_with_the_figure(tmp_path: Path) -> None:
    spec = from_dict({**SPEC, "chunk_size": 18})
    why = memory.check("steady", 10, 10_000_000, available=4_000_000_000)
    assert why == ("chunk_size 10,000,000 needs about 25.00 GB of memory (1 chunk(s) at a time), "
                   "and 4.00 GB is available; give a chunk_size of at most 1,600,000")
    assert memory.check("steady", 10, 1_000, available=4_000_000_000) is None
    assert memory.chunk_bytes("protocol", 20, 100) == 4 * 10_000 * 100
    big = from_dict({**SPEC, "chunk_size": 10_000_000,
                     "vary": [{"name": "bath.K", "geomspace": [1.0, 20.0, 10_000_000]}]})
    available = memory.available_bytes()
    assert available is not None and available < memory.chunk_bytes("steady", 10, 10_000_000)
    with pytest.raises(ParameterError, match=r"chunk_size 10,000,000 needs about 25.00 GB"):
        sweep.run(big, tmp_path / "big")
    assert not (tmp_path / "big").exists()  # refused before anything was written
    assert sweep.run(spec, tmp_path / "fits").n_cells == 18
