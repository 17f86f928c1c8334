"""Sweeps: many cells at once. A spec (:mod:`.spec`) says which cells and what to compute,
:mod:`.runner` runs it chunk by chunk, :mod:`.store` keeps the results, :mod:`.plot` draws them.

    spec = vrest.sweep.load("examples/s1.toml")
    result = vrest.sweep.run(spec, "out/s1")
"""

from vrest.sweep.runner import Job, SweepResult, compute, job, run
from vrest.sweep.spec import SweepSpec, from_dict, load
from vrest.sweep.store import SweepStore
from vrest.sweep.task import OUTPUTS, STEADY_ONLY, Task

__all__ = ["OUTPUTS", "STEADY_ONLY", "Job", "SweepResult", "SweepSpec", "SweepStore", "Task",
           "compute", "from_dict", "job", "load", "run"]
