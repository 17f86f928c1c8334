"""`vrest nernst` says which way the ion would move and why E has its sign; `vrest sensitivity`
marks a parameter whose sensitivity is a scaling identity (temperature: dV/d ln T = V)."""

from __future__ import annotations

import pytest

from vrest.cli import main
from vrest.cli.calculators import nernst_reason


@pytest.mark.parametrize(("args", "words"), [
    (["K", "--in", "140", "--out", "5"], ["28 times more concentrated inside", "diffuses out",
                                          "at -89.1 mV holds it in", "pulled by a negative"]),
    (["Na", "--in", "12", "--out", "145"], ["outside", "diffuses in", "+66.6 mV keeps it out",
                                            "pushed away by a positive inside"]),
    (["Cl", "--in", "8", "--out", "110"], ["outside", "diffuses in", "-70.1 mV keeps it out",
                                           "negative ion is pushed away by a negative inside"]),
])
def test_nernst_says_which_way_and_why(args, words, capsys):
    assert main(["nernst", *args, "--temp", "37"]) == 0
    reason = capsys.readouterr().out.splitlines()[1]
    for w in words:
        assert w in reason


def test_nernst_equal_concentrations_have_no_drive():
    assert "no net drive" in nernst_reason("K", 1, 5.0, 5.0, 0.0)


def test_sensitivity_marks_the_temperature_as_a_scaling_identity(capsys):
    assert main(["sensitivity", "--preset", "rpl1", "--params",
                 "cell.temperature,leak.K.P,bath.K"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[1]: line for line in out.splitlines() if line[:6].strip().isdigit()}
    assert rows["cell.temperature"].split()[2] == "*"
    assert "*" not in rows["leak.K.P"] and "*" not in rows["bath.K"]
    assert out.rstrip().splitlines()[-1].startswith("* scaling identity: dV/d ln p = V")
