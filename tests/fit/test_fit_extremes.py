"""fit on extreme data: non-finite and absurd values refused with their line, undetermined fits
refused with the reason (never printed as NaN), and a very long line read in linear time."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrest.errors import ParameterError
from vrest.fit import fit, read_recording

GOOD = "K_o_mM,V_mV\n1,-100\n3,-80\n10,-60\n30,-35\n"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("K_o_mM,V_mV\n1,-100\n3,1e308\n", "line 3, column V_mV: 1e+308 mV is not allowed; it must be at least -1000 and at most 1000 mV"),
    ("# c\nK_o_mM,V_mV,V_sd_mV\n1,-100,1e-308\n", "line 3, column V_sd_mV: 1e-308 mV is not allowed"),
    ("K_o_mM,V_mV,V_sd_mV\n1,-100,1e300\n", "line 2, column V_sd_mV: 1e+300 mV is not allowed"),
    ("K_o_mM,V_mV\n1,-100,4\n", "line 2: 3 fields; the header has 2"),
])
def test_absurd_values_name_their_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        read_recording(_csv(tmp_path, text))
    assert message in str(info.value)


def test_a_constant_v_is_refused_as_undetermined(tmp_path: Path) -> None:
    path = _csv(tmp_path, "K_o_mM,V_mV\n1,-70\n3,-70\n10,-70\n30,-70\n")
    with pytest.raises(ParameterError, match=r"every V_mV is -70 mV \(zero variance\): the fit is undetermined"):
        fit(path, "lecture", ["perm.Na"])


def test_a_good_fit_still_works(tmp_path: Path) -> None:
    result = fit(_csv(tmp_path, GOOD), "lecture", ["perm.Na"])
    assert result.parameters[0].value > 0 and 0.8 < result.r2 <= 1.0


def test_a_very_long_line_is_refused_by_its_field_count(tmp_path: Path) -> None:
    # a 200,000-field line is refused with the line and the field count (the csv module reads a
    # line in one pass; the fuzz test bounds every case at 10 s, without a timing assertion)
    for n in (20_000, 200_000):
        path = _csv(tmp_path, "K_o_mM,V_mV\n" + ",".join(["1"] * n) + "\n")
        with pytest.raises(ParameterError, match=f"line 2: {n:,} fields; the header has 2"):
            read_recording(path)
