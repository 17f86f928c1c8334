"""The compiled path's fallback: with the compiled solver unavailable, `method="auto"` takes
SciPy's BDF, says so, and still meets P1's accuracy (V within 0.01 mV of a tight solve at every
output second). Forced with VREST_NO_COMPILED in a fresh process (availability is decided once,
at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import vrest
from vrest.solve import compiled as fast
from vrest.solve import lsoda

SCRIPT = """
import json, numpy as np, vrest
from vrest.solve import compiled as fast
from vrest.solve.simulate import compiled_unavailable
tc = vrest.simulate(vrest.load_cell("rpl1"), vrest.load_protocol("p1"))
print(json.dumps({"available": fast.AVAILABLE, "method": tc.method, "note": tc.solver_note,
                  "reason": compiled_unavailable(), "V": tc.V[:, 0].tolist()}))
"""


@pytest.fixture(scope="module")
def tight() -> np.ndarray:
    cell, p1 = vrest.load_cell("rpl1"), vrest.load_protocol("p1")
    return vrest.simulate(cell, p1, method="BDF", rtol=1e-11, atol=1e-14).V[:, 0]


def _run_without_compiled() -> dict:
    env = {**os.environ, "VREST_NO_COMPILED": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, check=True, timeout=300)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_fallback_p1_meets_the_accuracy_target_and_names_itself(tight: np.ndarray) -> None:
    got = _run_without_compiled()
    assert got["available"] is False and got["method"] == "BDF"
    assert "VREST_NO_COMPILED" in got["reason"] and "SciPy BDF" in got["note"]
    v = np.asarray(got["V"])
    assert v.shape == tight.shape and np.max(np.abs(v - tight)) < 0.01


@pytest.mark.compiled
def test_compiled_p1_meets_the_accuracy_target(tight: np.ndarray) -> None:
    tc = vrest.simulate(vrest.load_cell("rpl1"), vrest.load_protocol("p1"))
    assert tc.method == "compiled" and tc.solver_note == ""
    assert np.max(np.abs(tc.V[:, 0] - tight)) < 0.01


def test_cli_names_the_fallback() -> None:
    env = {**os.environ, "VREST_NO_COMPILED": "1"}
    out = subprocess.run([sys.executable, "-m", "vrest.cli", "simulate", "--preset", "rpl1",
                          "--t-end", "10"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "(BDF," in out.stdout and "compiled solver is unavailable" in out.stdout
    js = subprocess.run([sys.executable, "-m", "vrest.cli", "simulate", "--preset", "rpl1",
                         "--t-end", "10", "--json"], env=env, capture_output=True, text=True,
                        timeout=120)
    assert "VREST_NO_COMPILED" in json.loads(js.stdout)["solver"]["note"]


def test_compiled_method_refused_clearly_when_unavailable() -> None:
    env = {**os.environ, "VREST_NO_COMPILED": "1"}
    code = ("import vrest\ntry:\n    vrest.simulate(vrest.load_cell('rpl1'), t_end=1.0, "
            "method='compiled')\nexcept vrest.VrestError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert "method 'compiled' is not available here" in out.stdout
    assert "VREST_NO_COMPILED" in out.stdout


@pytest.mark.compiled
def test_solver_failure_message_comes_from_the_solver() -> None:
    """A solve that cannot finish within its step budget reports CyRK's own message."""
    from vrest.model import Model

    model = Model(vrest.load_cell("rpl1"))
    core = model.layout.out.start
    out, ok, message = lsoda.solve(fast.rhs_cfunc.address, model.y0[0, :core],
                                   np.linspace(0.0, 1e4, 11), fast.solver_args(model)[0], 1e-6, 1e-10,
                                   max_steps=5)
    assert not ok and message and "steps" in message
    assert np.all(np.isfinite(out[0])) and np.isnan(out[-1]).all()
