"""The CLI's simulate path loads only what it uses: no pandas (a CSV of numbers is written
directly) and no matplotlib unless a figure is asked for; the CSV equals the pandas table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

import vrest

PROBE = """
import sys
from vrest.cli import main
code = main(sys.argv[1:])
print(code, "pandas" in sys.modules, "matplotlib" in sys.modules)
"""


def _modules_after(*argv: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         timeout=300, check=True)
    return run.stdout.strip().splitlines()[-1].split()


def test_simulate_with_csv_loads_neither_pandas_nor_matplotlib(tmp_path: Path) -> None:
    out = tmp_path / "p1.csv"
    code, pandas, mpl = _modules_after("simulate", "--preset", "rpl1", "--protocol", "p1",
                                          "--csv", str(out))
    assert (code, pandas, mpl) == ("0", "False", "False")
    assert out.stat().st_size > 0


def test_simulate_summary_loads_neither_pandas_nor_matplotlib() -> None:
    code, pandas, mpl = _modules_after("simulate", "--preset", "rpl1", "--protocol", "p1")
    assert (code, pandas, mpl) == ("0", "False", "False")


def test_csv_equals_the_pandas_table(tmp_path: Path) -> None:
    out = tmp_path / "k.csv"
    from vrest.cli import main

    assert main(["simulate", "--preset", "kay2017", "--t-end", "50", "--csv", str(out)]) == 0
    written = pd.read_csv(out)
    tc = vrest.simulate(vrest.load_cell("kay2017"), t_end=50.0)
    frame = tc.to_dataframe(cell=0)
    for column in written.columns:
        assert (written[column].to_numpy() == frame[column].to_numpy()).all(), column
