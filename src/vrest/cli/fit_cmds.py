"""`vrest fit`, `vrest sensitivity`, `vrest experiment kout`: from recordings to parameters.

No physics here: each command parses its options, calls vrest.fit, vrest.fit.sensitivity or
vrest.fit.experiment and formats the result as text or --json.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vrest.cli.output import print_json
from vrest.cli.parsing import load_cell_with_settings, parse_named
from vrest.cli.writes import save_figure, write_text
from vrest.errors import ParameterError
from vrest.model.presets.loader import DEFAULT_PRESET


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the fit, sensitivity and experiment commands."""
    _add_fit(subparsers)
    _add_sensitivity(subparsers)
    _add_experiment(subparsers)


# ---------------------------------------------------------------------------- shared pieces


def _names(items: list[str] | None) -> list[str]:
    return [n.strip() for item in items or [] for n in item.split(",") if n.strip()]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=DEFAULT_PRESET,
                   help=f"preset name or TOML file (default {DEFAULT_PRESET})")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="change a parameter of the cell first (repeatable), e.g. leak.Na.P=5e-8")


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
                     for r in [header, *rows])


def _save_figure(fig: Any, path: str) -> None:
    save_figure(fig, path, "--plot")


# ---------------------------------------------------------------------------- fit


def _add_fit(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fit", help="fit parameters to recorded V against the bath (e.g. K_o)",
        description="Fit free parameters to recordings of V (columns K_o_mM, V_mV; optionally "
                    "Na_o_mM, Cl_o_mM, Ca_o_mM, V_sd_mV) with the closed-form GHK equation or the "
                    "steady state of the cell model; prints best values, confidence intervals, "
                    "correlations, goodness of fit and residuals.")
    p.add_argument("data", metavar="DATA.csv", help="CSV file of recordings (# lines are comments)")
    _common(p)
    p.add_argument("--free", action="append", required=True, metavar="NAME[,NAME...]",
                   help="parameters to fit: for --model ghk perm.Na, perm.Cl, perm.Ca (P/P_K), "
                        "inside.<ion>, cell.temperature, ljp; for --model steady any dotted "
                        "parameter of the cell (see `vrest params`) and ljp")
    p.add_argument("--model", default="ghk", choices=("ghk", "steady"),
                   help="ghk: closed-form GHK potential; steady: the cell model's steady state")
    p.add_argument("--fix", action="append", metavar="NAME=VALUE",
                   help="hold a parameter at a value, e.g. ljp=5 (mV; V_recorded = V_model + "
                        "ljp; default ljp 0 mV)")
    p.add_argument("--start", action="append", metavar="NAME=VALUE",
                   help="starting value of a free parameter (default: the preset's)")
    p.add_argument("--replace", choices=("Na",),
                   help="isosmotic bath: lower Na_o as much as K_o is raised")
    p.add_argument("--level", default="0.95", help="confidence level of the intervals (0.95)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--plot", metavar="FILE.png", help="write data, fit, Nernst and GHK curves")
    p.set_defaults(func=run_fit)


def run_fit(args: argparse.Namespace) -> int:
    """`vrest fit`."""
    from vrest.cli.parsing import parse_number
    from vrest.fit import fit

    result = fit(args.data, load_cell_with_settings(args), _names(args.free), model=args.model,
                 fixed=parse_named(args.fix, "--fix"), start=parse_named(args.start, "--start"),
                 replace=args.replace, level=parse_number(args.level, "--level"))
    if args.plot:
        from vrest.fit.plot import plot_fit

        _save_figure(plot_fit(result), args.plot)
    if args.json:
        print_json(result.summary())
    else:
        print(fit_text(result))
    return 0


def fit_text(result: Any) -> str:
    """A fit result as text."""
    how = "the GHK equation" if result.model == "ghk" else "the steady state of the cell model"
    lines = [f"fit of {result.source} ({result.V.size} points) with {how}, preset "
             f"{result.cell.name} ({result.cell.temperature:g} degC)"]
    lines += [f"bath {ion}_o: {origin}" for ion, origin in result.bath_origin.items()]
    lines.append(f"offset ljp = {result.ljp_mV:.4g} mV, {'fitted' if result.ljp_free else 'fixed'}"
                 f" (V_recorded = V_model + ljp)")
    lines += [f"fixed: {k} = {v:g}" for k, v in result.fixed.items()]
    pct = f"{result.level:.0%}"
    rows = [[p.name, f"{p.value:.5g}", f"{p.stderr:.3g}", f"{p.ci_low:.5g}", f"{p.ci_high:.5g}",
             p.unit, f"{p.start:.4g}", "ln p" if p.log else "p"] for p in result.parameters]
    lines.append(_table(["parameter", "value", "std err", f"{pct} low", f"{pct} high", "unit",
                         "start", "fitted as"], rows))
    if len(result.parameters) > 1:
        names = list(result.names)
        corr = [[n, *(f"{result.correlation[i, j]:+.3f}" for j in range(len(names)))]
                for i, n in enumerate(names)]
        lines += ["correlation (in fit coordinates):", _table(["", *names], corr)]
    lines.append(_goodness(result))
    rows = [[f"{k:.4g}", f"{v:.3f}", f"{f:.3f}", f"{r:+.3f}"] for k, v, f, r in
            zip(result.bath["K"], result.V, result.V_fit, result.residuals, strict=True)]
    lines += ["residuals (data - fit):", _table(["K_o (mM)", "V (mV)", "fit (mV)", "resid (mV)"],
                                                rows)]
    return "\n".join(lines)


def _goodness(result: Any) -> str:
    text = f"goodness of fit: RMSE {result.rmse:.3g} mV, R^2 {result.r2:.5f}"
    if result.chi2 is not None:
        text += (f", chi^2 {result.chi2:.3g} for {result.dof} dof (reduced {result.reduced_chi2:.3g},"
                 f" p = {result.chi2_p:.3g})")
    else:
        text += f", {result.dof} dof (no V_sd_mV column: no chi^2)"
    return text


# ---------------------------------------------------------------------------- sensitivity


def _add_sensitivity(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sensitivity", help="how steady V, E_Cl, Na_i and ATP use respond to each parameter",
        description="Normalised sensitivities of the steady state, ranked: dV/d ln p and "
                    "dE_Cl/d ln p in mV per unit ln p; d ln Na_i/d ln p and d ln ATP/d ln p.")
    _common(p)
    p.add_argument("--params", action="append", metavar="NAME[,NAME...]",
                   help="parameters to vary (default: every rate, affinity, bath concentration, "
                        "geometry, temperature and the trapped anions)")
    p.add_argument("--by", default="V", choices=("V", "E_Cl", "Na_i", "ATP"),
                   help="rank by the size of this column (default V)")
    p.add_argument("--top", type=int, default=None, help="show only the first N rows")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--plot", metavar="FILE.png", help="write a bar chart")
    p.set_defaults(func=run_sensitivity)


def run_sensitivity(args: argparse.Namespace) -> int:
    """`vrest sensitivity`."""
    from vrest.fit.sensitivity import sensitivity

    if args.top is not None and args.top < 1:
        raise ParameterError(f"--top: {args.top} is not allowed; give a whole number >= 1")
    sens = sensitivity(load_cell_with_settings(args), _names(args.params) if args.params else None)
    if args.plot:
        from vrest.fit.plot import plot_sensitivity

        _save_figure(plot_sensitivity(sens, top=args.top or 12, by=args.by), args.plot)
    if args.json:
        print_json(sens.summary(args.by))
    else:
        print(sens.table(args.by, args.top))
    return 0


# ---------------------------------------------------------------------------- experiment


def _add_experiment(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("experiment", help="simulated recordings for a practical",
                       description="Make simulated recordings (with optional noise) for a "
                                   "practical, to analyse or to fit with `vrest fit`.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", parser_class=type(p))
    k = kinds.add_parser(
        "kout", help="V against bath K+ (log-spaced), as CSV that `vrest fit` reads",
        description="V at each K_o, as in a lab: by default the ACUTE response (the cell model"
                    " from its control steady state, V read --read-after s after the bath change,"
                    " the inside as it was, as Hodgkin and Katz read it within minutes); with"
                    " --model steady the STEADY response (hours: the inside re-equilibrates; where"
                    " that curve turns at low K_o the output says so and why); with --model ghk"
                    " the GHK potential. Optional Gaussian measurement noise.")
    _common(k)
    k.add_argument("--from", dest="k_from", default="1", help="lowest K_o, mM (default 1)")
    k.add_argument("--to", dest="k_to", default="100", help="highest K_o, mM (default 100)")
    k.add_argument("--points", default="20", help="number of K_o values (default 20)")
    k.add_argument("--noise", default="0", metavar="MV", help="sd of the noise, mV (default 0)")
    k.add_argument("--seed", default=None, help="random seed (default: drawn and recorded)")
    k.add_argument("--replace", choices=("Na",),
                   help="isosmotic bath: lower Na_o as much as K_o is raised")
    k.add_argument("--model", default="acute", choices=("acute", "steady", "ghk"),
                   help="acute: V minutes after the change (default); steady: the cell's steady"
                   " states (hours); ghk: the closed-form GHK potential")
    k.add_argument("--read-after", default="120", metavar="S",
                   help="acute: when V is read after the bath change, s (default 120)")
    k.add_argument("--out", metavar="FILE.csv", help="write the CSV here (default: print it)")
    k.set_defaults(func=run_experiment)
    p.set_defaults(func=_experiment_help(p))


def _experiment_help(parser: argparse.ArgumentParser) -> Any:
    def run(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2
    return run


def run_experiment(args: argparse.Namespace) -> int:
    """`vrest experiment kout`."""
    from vrest.cli.parsing import parse_number
    from vrest.fit.experiment import kout_experiment

    points = parse_number(args.points, "--points")
    seed = None if args.seed is None else parse_number(args.seed, "--seed")
    if seed is not None and (seed != int(seed) or seed < 0):
        raise ParameterError(f"--seed: {args.seed!r} is not allowed; give a whole number >= 0")
    exp = kout_experiment(load_cell_with_settings(args), k_from=parse_number(args.k_from, "--from", "mM"),
                          k_to=parse_number(args.k_to, "--to", "mM"), points=points,
                          noise_mV=parse_number(args.noise, "--noise", "mV"),
                          seed=None if seed is None else int(seed), replace=args.replace,
                          model=args.model,
                          read_after_s=parse_number(args.read_after, "--read-after", "s"))
    for k_o, why in exp.failures:
        print(f"vrest experiment: warning: K_o = {k_o:.6g} mM left out: {why}", file=sys.stderr)
    if exp.turn_text and args.out:
        print(exp.turn_text)
    if args.out:
        write_text(args.out, "--out", exp.to_csv())
        how = [line for line in exp.header()[1:] if line != exp.turn_text]
        print(f"wrote {exp.V.size} recordings to {args.out} ({'; '.join(how)})")
    else:
        print(exp.to_csv(), end="")
    return 0
