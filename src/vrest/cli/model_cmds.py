"""`vrest simulate`, `vrest steady`, `vrest params`, `vrest protocols`: the cell model."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from vrest.cli.parsing import load_cell_with_settings
from vrest.cli.writes import check_target, save_figure, write_text
from vrest.errors import ParameterError
from vrest.model.presets.loader import DEFAULT_PRESET


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the model commands."""
    p = subparsers.add_parser(
        "simulate", help="time course of a preset cell through a protocol",
        description="Simulate a cell over time through a protocol (timed changes such as "
                    "blocking the pump or raising K+ outside): V, the reversal potentials and the "
                    "inside concentrations, as a table, CSV or a figure.")
    _common(p)
    p.add_argument("--protocol", default="control",
                   help="built-in protocol name (see `vrest protocols`) or a TOML file")
    p.add_argument("--t-end", type=str, default=None, help="duration (s); default: the protocol's")
    p.add_argument("--dt", type=str, default=None, help="output step (s); default: the protocol's")
    p.add_argument("--from-steady", action="store_true",
                   help="start from the cell's steady state instead of the preset's start")
    p.add_argument("--csv", metavar="FILE", help="write one row per output time")
    p.add_argument("--plot", metavar="FILE.png", help="write a figure of V and concentrations")
    p.add_argument("--time-axis", choices=("auto", "log", "linear"), default="auto",
                   help="time axis of --plot; auto (default) is logarithmic when the run spans "
                        "milliseconds to hours (a change at t > 0 and a long end), else linear")
    p.set_defaults(func=run_simulate)

    p = subparsers.add_parser(
        "steady", help="steady state of a preset cell, with stability",
        description="Find the state a cell settles in (every flux balanced): V, the reversal "
                    "potentials, the inside concentrations and whether the state is stable.")
    _common(p)
    p.set_defaults(func=run_steady)

    p = subparsers.add_parser(
        "params", help="every parameter of a preset cell, with units",
        description="List every parameter of a cell by its dotted name (for --set), with its "
                    "value, unit, allowed range and meaning.")
    _common(p)
    p.set_defaults(func=run_params)

    p = subparsers.add_parser(
        "protocols", help="list the built-in protocols",
        description="List the built-in protocols for `vrest simulate --protocol`: their timed "
                    "changes and durations.")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run_protocols)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=DEFAULT_PRESET, help=f"preset name or TOML file "
                   f"(default {DEFAULT_PRESET})")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter by its dotted name (repeatable), e.g. bath.K=10")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _number(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{option}: {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{option}: {text} s is not allowed; must be finite and > 0")
    return value


def _dump(data: Any) -> None:
    print(json.dumps(data, indent=2, allow_nan=False))


def run_simulate(args: argparse.Namespace) -> int:
    """Run a time course and report it (text or JSON), with optional CSV and figure."""
    from vrest.model.protocol import load as load_protocol
    from vrest.solve.simulate import simulate
    from vrest.solve.steady import steady_state

    for path, option in ((args.csv, "--csv"), (args.plot, "--plot")):
        if path:
            check_target(path, option, figure=option == "--plot")
    cell = load_cell_with_settings(args)
    protocol = load_protocol(args.protocol)
    t_end, dt = _number(args.t_end, "--t-end"), _number(args.dt, "--dt")
    y0 = steady_state(cell).state() if args.from_steady else None
    tc = simulate(cell, protocol, t_end=t_end, dt=dt, y0=y0)
    if args.csv:
        _write_csv(tc, args.csv)
    if args.plot:
        save_figure(tc.plot(title=f"{args.preset} through protocol {protocol.name}",
                            time_scale=args.time_axis), args.plot, "--plot", dpi=110)
    summary = tc.summary()
    what = _what_v_at_end(cell, protocol, tc)
    summary.update({"preset": args.preset, "protocol": protocol.name, "points": int(tc.t.size),
                    "events": [{"t_s": t, "label": label} for t, label in tc.events],
                    "what_v": what.to_dict()})
    if args.json:
        _dump(summary)
        return 0
    solver = summary["solver"]
    evals = f", {solver['nfev']} right-hand-side evaluations" if solver["nfev"] else ""
    print(f"{args.preset} through protocol {protocol.name}: {tc.t.size} points to "
          f"{summary['t_end_s']:g} s ({solver['method']}, rtol {solver['rtol']:g}{evals})")
    if tc.solver_note:
        print(f"  note: {tc.solver_note}")
    for t, label in tc.events:
        print(f"  at {t:>8g} s  {label}")
    print(f"end: V = {summary['V_mV']:.3f} mV; " + ", ".join(
        f"{ion}_i = {c:.4g} mM" for ion, c in summary["inside_mM"].items()))
    print("     " + ", ".join(f"E_{ion} = {e:.2f} mV" for ion, e in summary["E_mV"].items()))
    print("what V is at the end (the concentrations and V of the last time point):")
    for line in what.lines():
        print(f"  {line}")
    for path, what in ((args.csv, "table"), (args.plot, "figure")):
        if path:
            print(f"wrote {what}: {path}")
    return 0


def _what_v_at_end(cell: Any, protocol: Any, tc: Any) -> Any:
    """What V is at the last time point, with the mechanisms of the protocol's last segment."""
    from vrest.model.protocol import segments
    from vrest.model.what_v import what_v_is

    end_cell = segments(cell, protocol, float(tc.t[-1]))[-1].cell
    return what_v_is(end_cell, tc.y[-1, 0])


def _write_csv(tc: Any, path: str) -> None:
    """One cell's time course as CSV (no pandas: the CLI's simulate path stays light)."""
    import numpy as np

    cols = tc.columns(cell=0)
    moved = [ion for i, ion in enumerate(("Na", "K", "Cl", "Ca"))
             if ion != "Ca" or any(abs(f[:, 0, 3]).max() > 0 for f in tc.flux.values())]
    keep = ["t_s", "V_mV", *[f"{ion}_i_mM" for ion in moved]]
    if (tc.volume_rel != 1.0).any():
        keep.append("volume_rel")
    names = keep + [c for c in cols if c not in keep and c != "Ca_i_mM"]
    rows = np.column_stack([cols[c] for c in names]).tolist()
    text = "\n".join(",".join("" if x != x else repr(x) for x in row) for row in rows)
    write_text(path, "--csv", ",".join(names) + "\n" + text + "\n")


def run_steady(args: argparse.Namespace) -> int:
    """Find and report the steady state."""
    from vrest.solve.rest import what_v_at_rest

    cell = load_cell_with_settings(args)
    what, ss = what_v_at_rest(cell)
    out = ss.summary()
    out["preset"] = args.preset
    out["what_v"] = what.to_dict()
    if args.json:
        _dump(out)
        return 0
    tau = out["slowest_time_constant_s"]
    print(f"{args.preset}: steady state {'found' if out['converged'] else 'NOT found'}, "
          f"{'stable' if out['stable'] else 'unstable'}"
          + (f" (slowest time constant {tau:.4g} s)" if tau else ""))
    print(f"  V = {out['V_mV']:.3f} mV, volume x{out['volume_rel']:.4g}, "
          f"ATP {out['atp_per_s']:.4g} /s")
    for ion in ("Na", "K", "Cl", "Ca"):
        print(f"  {ion:>2}: inside {out['inside_mM'][ion]:10.4g} mM, outside "
              f"{out['outside_mM'][ion]:8.4g} mM, E = {out['E_mV'][ion]:8.2f} mV")
    for name, current in out["current_pA"].items():
        print(f"  current {name:<14} {current:10.4g} pA")
    print("  what V is:")
    for line in what.lines():
        print(f"    {line}")
    return 0


def run_params(args: argparse.Namespace) -> int:
    """List every parameter with value and unit."""
    cell = load_cell_with_settings(args)
    params = cell.parameters()
    if args.json:
        _dump({k: {"value": p.value if math.isfinite(p.value) else str(p.value), "unit": p.unit,
                   "description": p.description, "allowed": p.spec.allowed()}
               for k, p in params.items()})
        return 0
    width = max(len(k) for k in params)
    for key, p in params.items():
        print(f"{key:<{width}}  {p.value:>12.6g} {p.unit:<12} {p.description}")
    return 0


def run_protocols(args: argparse.Namespace) -> int:
    """List built-in protocols."""
    from vrest.model.protocol import builtin_names, load

    items = {name: load(name) for name in builtin_names()}
    if args.json:
        _dump({n: {"description": p.description, "t_end_s": p.t_end, "dt_s": p.dt,
                   "events": [{"t_s": e.t, "label": e.label} for e in p.events]}
               for n, p in items.items()})
        return 0
    for name, p in items.items():
        print(f"{name:<10} {p.t_end:>7g} s  {p.description}")
    return 0
