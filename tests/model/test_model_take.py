"""Model.take (a sub-batch by slicing) equals the Model built for that sub-batch."""

from __future__ import annotations

import numpy as np

import vrest
from vrest.model.mechanisms import AnionSource, Water
from vrest.model.rhs import Model
from vrest.solve import packed


def test_take_equals_a_model_of_the_sub_batch() -> None:
    cell = vrest.load_cell("rpl1").with_mechanisms(
        Water(P_f=0.01), AnionSource(rate=1e-3, counter="K")).with_parameters(
        {"bath.volume_ratio": 4.0})
    batch = {"bath.K": np.linspace(1.0, 9.0, 7), "leak.Na.P": np.geomspace(1e-8, 1e-7, 7),
             "water.P_f": np.linspace(0.005, 0.02, 7), "pump.i_max": np.linspace(5, 15, 7)}
    whole = Model(cell, batch)
    idx = np.array([5, 0, 3])
    ref = Model(cell, {k: v[idx] for k, v in batch.items()})
    sub = whole.take(idx)
    assert sub.batch_size == 3 and np.array_equal(sub.y0, ref.y0)
    y = ref.y0 * np.linspace(0.95, 1.05, ref.y0.shape[1])
    assert np.array_equal(sub.rhs(0.0, y), ref.rhs(0.0, y))
    assert np.array_equal(packed.pack(sub, y), packed.pack(ref, y))
    assert np.array_equal(sub.observe(y).fluxes["pump"], ref.observe(y).fluxes["pump"])
