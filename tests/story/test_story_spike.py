"""`vrest story --appendix spike`: the spike's story in computed numbers (issue 17)."""

from __future__ import annotations

import json

import pytest

from vrest.cli import main
from vrest.story import spike


@pytest.fixture(scope="module")
def numbers() -> dict:
    return spike.appendix()


def test_appendix_numbers(numbers: dict) -> None:
    s, b = numbers["spike"], numbers["pump_blocked"]
    # squid_hh starts at HH's rest, -65 mV; its pump's outward current takes 0.35 mV off by 10 ms
    assert numbers["rest_mV"] == pytest.approx(-65.35, abs=0.02)
    assert 30 < s["peak_mV"] < 50 and abs(b["peak_mV"] - s["peak_mV"]) < 1.0
    # HH 1952's sign: displacement from rest, positive for hyperpolarisation
    assert numbers["hh_sign"]["peak_1952_mV"] == pytest.approx(-(s["peak_mV"] - numbers["rest_mV"]))
    assert numbers["hh_sign"]["ahp_1952_mV"] > 0
    tr = numbers["train"]
    # 20 spikes add about 20 x (Na+ per spike) to Na_i, minus what the pump removes meanwhile
    gained = tr["Na_i_after_mM"] - tr["Na_i_before_mM"]
    per_spike = s["na_fraction"] * tr["Na_i_before_mM"]
    assert 0.5 * 20 * per_spike < gained < 20 * per_spike


def test_cli_prints_the_appendix(capsys: pytest.CaptureFixture[str], numbers: dict) -> None:
    assert main(["story", "--appendix", "spike"]) == 0
    out = capsys.readouterr().out
    assert "Does the pump make the spike?" in out
    assert f"{numbers['spike']['peak_mV']:+.1f} mV" in out
    assert main(["story", "--appendix", "spike", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["preset"] == "squid_hh"
