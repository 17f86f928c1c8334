"""The names users find in the README, docs, examples and benchmarks keep working after the
sub-package layout, and the data files travel with the packages that read them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib import resources

import pytest

import vrest
from vrest import _aliases


def test_public_api_of_the_package() -> None:
    for name in ("simulate", "steady_state", "load_cell", "load_protocol", "Cell", "Model",
                 "SteadyState", "TimeCourse", "ParameterError", "__version__"):
        assert hasattr(vrest, name), name
    assert callable(vrest.simulate)  # the function, not the module vrest.solve.simulate


def test_documented_imports() -> None:
    code = "\n".join([
        "import vrest, vrest.equations",
        "from vrest import equations as eq",
        "from vrest.equations import nernst, zero_current_potential, donnan",
        "from vrest.geometry import Geometry",
        "from vrest import presets, explain",
        "from vrest import sweep",
        "from vrest.experiment import kout_experiment",
        "from vrest.fit import fit",
        "from vrest.sensitivity import sensitivity",
        "from vrest.web import compute",
        "from vrest.web.app import create_app",
        "from vrest.ions import Ion",
        "from vrest.mechanisms.leak import GHKLeak",
        "from vrest.model import Model",
        "assert vrest.equations.nernst is nernst is eq.nernst",
        "assert presets.names() and explain.explain_ion and vrest.story.run_story",
        "assert vrest.story_text.narrate and vrest.sweep_spec.from_dict and sweep.load and sweep.run",
        "assert compute.PAGE_RTOL > 0 and callable(vrest.simulate)",
        "import vrest.model.mechanisms.leak as new",
        "assert GHKLeak is new.GHKLeak",
    ])
    subprocess.run([sys.executable, "-c", code], check=True)  # a fresh interpreter


@pytest.mark.parametrize("old", sorted(_aliases.OLD_TO_NEW))
def test_every_former_module_path_is_the_new_module(old: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(_aliases.OLD_TO_NEW[old])


def test_data_files_are_package_resources() -> None:
    presets = resources.files("vrest.model.presets")
    assert presets.joinpath("lecture.toml").is_file()
    assert resources.files("vrest.model").joinpath("protocols", "p1.toml").is_file()
    assert resources.files("vrest.web").joinpath("static", "index.html").is_file()
    assert {"lecture", "rpl1"} <= set(vrest.presets.names())
    assert vrest.load_protocol("p1").t_end > 0
