"""Calculator commands: `vrest nernst`, `vrest ghk`, `vrest explain` (`vrest presets`: presets_cmd).

No physics here: each command parses its options (vrest.cli.parsing), calls the public API
(vrest.equations, vrest.model.explain, vrest.model.presets) and formats the result as text or --json.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from typing import Any

from vrest.cli.output import print_json
from vrest.model.presets.loader import DEFAULT_PRESET


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the calculator commands to the `vrest` parser."""
    _add_nernst(subparsers)
    _add_ghk(subparsers)
    _add_explain(subparsers)


# ---------------------------------------------------------------------------- shared pieces


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _add_composition(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        help=f"preset name or .toml path (default: {DEFAULT_PRESET})",
    )
    parser.add_argument(
        "--temp",
        help="temperature: degC (37) or kelvin with a K suffix (310.15K); default: the preset's",
    )
    parser.add_argument(
        "--in",
        dest="inside",
        action="append",
        metavar="ION=C",
        help="inside concentration(s) in mM, e.g. K=140,Na=12 (repeatable)",
    )
    parser.add_argument(
        "--out",
        dest="outside",
        action="append",
        metavar="ION=C",
        help="outside concentration(s) in mM, e.g. K=10 (repeatable)",
    )


def _composition(args: argparse.Namespace) -> tuple[Any, dict[str, float], dict[str, float], float]:
    """The preset and its inside/outside/temperature with the command-line overrides applied."""
    from vrest.cli import parsing
    from vrest.model.presets import loader as presets

    preset = presets.load(args.preset)
    inside = {**preset.inside, **parsing.parse_concentrations(args.inside, "--in")}
    outside = {**preset.outside, **parsing.parse_concentrations(args.outside, "--out", allow_zero=True)}
    t_k = parsing.parse_temperature(args.temp) if args.temp is not None else preset.temperature_K
    return preset, inside, outside, t_k


def temperature_text(t_k: float) -> str:
    return f"{t_k - 273.15:.2f} degC ({t_k:.2f} K)"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------------------- nernst


def _add_nernst(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "nernst",
        help="equilibrium (Nernst) potential of one ion",
        description="Nernst potential E = (RT/zF) ln(c_out/c_in) of one ion, mV.",
    )
    p.add_argument("ion", metavar="ION", help="Na, K, Cl or Ca (any name with --z)")
    p.add_argument("--in", dest="c_in", required=True, metavar="C", help="inside concentration, mM")
    p.add_argument(
        "--out", dest="c_out", required=True, metavar="C", help="outside concentration, mM"
    )
    p.add_argument(
        "--temp", default="37", help="degC (37) or kelvin with a K suffix (310.15K); default 37"
    )
    p.add_argument("--z", help="valence, for an ion not in the list (or to override it)")
    add_json(p)
    p.set_defaults(func=_run_nernst)


def _run_nernst(args: argparse.Namespace) -> int:
    from vrest.cli import parsing
    from vrest.physics import ions
    from vrest.physics.nernst import nernst

    if args.z is not None:
        z = parsing.parse_number(args.z, "--z")
        name = args.ion
    else:
        ion = ions.get(args.ion)
        z, name = ion.valence, ion.name
    c_in = parsing.parse_concentration(args.c_in, "--in")
    c_out = parsing.parse_concentration(args.c_out, "--out", allow_zero=True)
    t_k = parsing.parse_temperature(args.temp)
    e = float(nernst(z, c_in, c_out, t_k))
    if args.json:
        print_json(
            {
                "ion": name,
                "z": z,
                "E_mV": e,
                "temperature_K": t_k,
                "c_in_mM": c_in,
                "c_out_mM": c_out,
                "explanation": nernst_reason(name, z, c_in, c_out, e),
            }
        )
    else:
        print(
            f"E_{name} = {e:+.2f} mV  (z = {z:+g}; in {c_in:g} mM, out {c_out:g} mM;"
            f" {temperature_text(t_k)})"
        )
        print(nernst_reason(name, z, c_in, c_out, e))
    return 0


def nernst_reason(name: str, z: float, c_in: float, c_out: float, e: float) -> str:
    """Which way the ion would move by diffusion alone, and why E has its sign."""
    if c_out == 0:
        return (f"  no {name} outside: at any finite V the ion flows out, so no potential"
                f" holds it in equilibrium (E_{name} = {e:+.0f} mV, the limit of"
                " RT/zF ln(c_out/c_in) as c_out -> 0)")
    if c_in == c_out:
        return (f"{name} is equally concentrated on both sides, so it has no net drive to move "
                "and E is 0 mV.")
    where, drift = ("inside", "out") if c_in > c_out else ("outside", "in")
    ratio = max(c_in, c_out) / min(c_in, c_out)
    charge = "positive" if z > 0 else "negative"
    inside = "negative" if e < 0 else "positive"
    action = "holds it in" if drift == "out" else "keeps it out"
    return (f"{name} is {ratio:.3g} times more concentrated {where}, so it diffuses {drift}; "
            f"E_{name} is the inside voltage that stops this: an inside at {e:+.1f} mV "
            f"{action}, as a {charge} ion is {'pulled by' if inside != charge else 'pushed away by'} "
            f"a {inside} inside. With V above E_{name} a {charge} ion's current is outward, below "
            "it inward.")


# ---------------------------------------------------------------------------- ghk


def _add_ghk(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ghk",
        help="GHK resting potential of a preset, with overrides",
        description="Reversal potentials and what V is at the model's rest of the preset: the"
        " GHK voltage of the leaks alone (not a weighted average of the E's), the"
        " zero-current potential with the pump's current (Mullins-Noda), the chord average"
        " (the E's weighted by the leaks' conductances g_i = I_i/(V - E_i) at the operating"
        " point V), the model's V and the lecture's permeability-weighted average with its"
        " error. With --in/--out/--perm: the GHK voltage of the given composition.",
    )
    _add_composition(p)
    p.add_argument(
        "--perm",
        action="append",
        metavar="ION=P",
        help="permeabilities relative to P_K, e.g. K=1,Na=0.04,Cl=0.45; merged into the"
        " preset's (ION=0 makes an ion impermeant)",
    )
    add_json(p)
    p.set_defaults(func=_run_ghk)


def _composition_changed(args: argparse.Namespace) -> bool:
    return bool(args.inside or args.outside or getattr(args, "perm", None))


def _model_rest(preset: Any, t_k: float) -> tuple[Any, Any]:
    """The preset's cell at ``t_k`` and what V is at its steady state (vrest.what_v_at_rest);
    (None, None) for a composition-only preset that makes no cell (e.g. no Na+ or Ca2+)."""
    from vrest.errors import PresetError
    from vrest.model.presets.cells import cell_from_preset
    from vrest.solve.rest import what_v_at_rest

    try:
        cell = cell_from_preset(preset)
    except PresetError:
        return None, None
    if t_k != preset.temperature_K:
        cell = cell.with_parameters({"cell.temperature": t_k - 273.15})
    what, _ = what_v_at_rest(cell)
    return cell, what


def _rest_permeability(cell: Any) -> dict[str, float]:
    """The cell's GHK leak permeabilities relative to P_K (absolute when it has no K+ leak)."""
    from vrest.model.mechanisms import GHKLeak

    perm: dict[str, float] = {}
    for m in cell.mechanisms:
        if isinstance(m, GHKLeak):
            perm[m.ion] = perm.get(m.ion, 0.0) + m.P * m.scale
    ref = perm.get("K", 0.0) or 1.0
    return {ion: p / ref for ion, p in perm.items()}


def _run_ghk(args: argparse.Namespace) -> int:
    from vrest.cli import parsing
    from vrest.errors import ParameterError
    from vrest.model.explain import resting_summary

    preset, inside, outside, t_k = _composition(args)
    cell, what = (None, None) if _composition_changed(args) else _model_rest(preset, t_k)
    if what is None:
        perm = {**preset.permeability, **parsing.parse_permeabilities(args.perm, "--perm")}
    else:
        inside, outside, perm = what.inside_mM, what.outside_mM, _rest_permeability(cell)
    if not perm:
        raise ParameterError(
            f"--perm: preset {preset.name} has no permeabilities;"
            f" give them, e.g. --perm K=1,Na=0.04,Cl=0.45"
        )
    summary = resting_summary(perm, inside, outside, t_k, None if what is None else what.V_mV)
    where = "the given composition" if what is None else "the model's rest"
    if args.json:
        print_json({"preset": preset.name, "composition": where, **summary.to_dict(),
                    "what_v": None if what is None else what.to_dict()})
        return 0
    print(f"{preset.name}: {preset.title}; {temperature_text(t_k)}; at {where}")
    rows = [
        [
            ion,
            f"{summary.inside_mM[ion]:.4g}",
            f"{summary.outside_mM[ion]:.4g}",
            f"{perm.get(ion, 0.0):.4g}",
            f"{e:+.2f}",
            f"{summary.chord_weights[ion]:.4f}" if ion in summary.chord_weights else "-",
        ]
        for ion, e in summary.E_mV.items()
    ]
    print(table(["ion", "in (mM)", "out (mM)", "P/P_K", "E (mV)", "chord weight"], rows))
    if what is not None:
        print(f"What V is (chord weights: the leaks' conductances at V = {what.V_mV:+.2f} mV):")
        for line in what.lines():
            print(f"  {line}")
        print(what.to_dict()["wording"])
        return 0
    print(f"GHK voltage of the leaks  V = {summary.V_mV:+.2f} mV  (the given composition; the"
          f" model's rest is shown without --in/--out/--perm, for a preset that makes a cell)")
    if summary.chord_mV is None:
        absent = ", ".join(k for k, e in summary.E_mV.items()
                           if not math.isfinite(e) and perm.get(k, 0.0) > 0)
        print(f"chord-conductance potential: none ({absent} is on one side only, so its E is"
              " infinite and its current cannot be written as g (V - E))")
        return 0
    print(f"the lecture's permeability-weighted average of the E's = {summary.lecture_mV:+.2f} mV"
          f"  (approximation; error {summary.lecture_mV - summary.V_mV:+.2f} mV against GHK)")
    return 0


# ---------------------------------------------------------------------------- explain


def _add_explain(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "explain",
        help="which way each ion moves at rest, and why",
        description="Per ion: reversal potential, driving force V - E split into its"
        " electrical and concentration parts, direction of the net flux"
        " and of the current, and the reason in words.",
    )
    _add_composition(p)
    p.add_argument(
        "--vm", metavar="MV", help="membrane potential in mV (default: the model's V at rest;"
        " with --in/--out: the GHK voltage of that composition)"
    )
    add_json(p)
    p.set_defaults(func=_run_explain)


def _run_explain(args: argparse.Namespace) -> int:
    from vrest.cli import parsing
    from vrest.errors import ParameterError
    from vrest.model.explain import explain

    preset, inside, outside, t_k = _composition(args)
    v = parsing.parse_number(args.vm, "--vm", "mV") if args.vm is not None else None
    if v is not None and not -500.0 <= v <= 500.0:
        raise ParameterError(f"--vm: {v:g} mV is outside the allowed range [-500, 500] mV")
    _, what = (None, None) if _composition_changed(args) else _model_rest(preset, t_k)
    if what is None:
        result = explain(inside, outside, t_k, v, preset.permeability, preset.name)
    else:
        result = explain(what.inside_mM, what.outside_mM, t_k,
                         what.V_mV if v is None else v, None, preset.name)
        if v is None:
            result = dataclasses.replace(result, V_origin=f"the model's rest of preset {preset.name}")
    if args.json:
        print_json({**result.to_dict(), "what_v": None if what is None else what.to_dict()})
        return 0
    print(f"{preset.name}: {temperature_text(t_k)}; V = {result.V_mV:+.2f} mV ({result.V_origin})")
    rows = [
        [
            r.label,
            f"{r.E_mV:+.2f}",
            f"{r.driving_force_mV:+.2f}",
            f"{r.electrical_kJ_mol:+.2f}",
            f"{r.diffusional_kJ_mol:+.2f}",
            r.flux,
            r.current,
        ]
        for r in result.ions
    ]
    print(
        table(
            ["ion", "E (mV)", "V-E (mV)", "electrical", "concentration", "net flux", "current"],
            rows,
        )
    )
    print("(electrical and concentration: work in kJ/mol done on ions moving out; + pushes out)")
    for r in result.ions:
        print(f"- {r.reason}")
    if what is not None:
        print("What V is, at the model's rest:")
        for line in what.lines():
            print(f"  {line}")
    return 0
