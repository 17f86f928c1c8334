"""The V-versus-K_o practical, end to end: simulate the recordings, fit them, plot the fit.

    python examples/kout_practical.py [OUTDIR]     (default: a new temporary directory)

1. The class "records" the resting V of the reference cell rpl1 at 12 K_o values from 1 to
   100 mM in an isosmotic bath (Na_o lowered as K_o is raised), with 0.5 mV measurement noise.
2. Hodgkin & Katz's analysis: fit P_Na/P_K and P_Cl/P_K with the GHK equation.
3. The full analysis: fit the Na+ leak and the pump's strength with the steady-state model.
4. A figure of data, fit, Nernst line and GHK curve (OUTDIR/kout_fit.png) and the sensitivities
   of the resting state (OUTDIR/sensitivity.png).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import vrest
from vrest.fit import fit
from vrest.fit.experiment import kout_experiment
from vrest.fit.sensitivity import sensitivity


def main(outdir: Path) -> None:
    cell = vrest.load_cell("rpl1")
    true = cell.values()
    exp = kout_experiment(cell, points=12, noise_mV=0.5, seed=4, replace="Na", model="steady")
    csv = outdir / "kout.csv"
    exp.write_csv(csv)
    how = [line for line in exp.header()[2:] if line != exp.turn_text]
    print(f"recordings: {csv} ({exp.V.size} points; {'; '.join(how)})")
    if exp.turn_text:
        print(exp.turn_text)

    ghk = fit(csv, cell, ["perm.Na", "perm.Cl"])
    print("\nGHK equation (inside concentrations and temperature of the preset held fixed):")
    for p in ghk.parameters:
        ratio = true[f"leak.{p.name[5:]}.P"] / true["leak.K.P"]
        inside = "inside" if p.ci_low <= ratio <= p.ci_high else "OUTSIDE"
        print(f"  {p.name} = {p.value:.4f}  95% [{p.ci_low:.4f}, {p.ci_high:.4f}]  (the cell's "
              f"{ratio:g} is {inside} the interval)")
    print(f"  reduced chi^2 = {ghk.reduced_chi2:.1f} (about 1 when the model fits to within the "
          f"noise): the GHK equation leaves out the pump's current and the changes inside")

    start = cell.with_parameters({"leak.Na.P": 1e-7, "pump.i_max": 5.0})
    steady = fit(csv, start, ["leak.Na.P", "pump.i_max"], model="steady")
    print("\nsteady-state model (every mechanism of the cell):")
    for p in steady.parameters:
        print(f"  {p.name} = {p.value:.4g} {p.unit}  95% [{p.ci_low:.4g}, {p.ci_high:.4g}]"
              f"  (true {true[p.name]:g})")
    print(f"  reduced chi^2 = {steady.reduced_chi2:.2f}, RMSE {steady.rmse:.2f} mV")

    steady.plot(str(outdir / "kout_fit.png"))
    sensitivity(cell).plot(str(outdir / "sensitivity.png"), top=10)
    print(f"\nfigures: {outdir / 'kout_fit.png'}, {outdir / 'sensitivity.png'}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="kout_"))
    target.mkdir(parents=True, exist_ok=True)
    main(target)
