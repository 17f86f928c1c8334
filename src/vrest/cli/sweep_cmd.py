"""`vrest sweep`: many cells at once, and a figure of the results.

    vrest sweep SPEC.toml --out DIR [--scheduler ADDRESS] [--workers N] [--csv]
    vrest sweep plot DIR --x NAME --y NAME [--color NAME] --out FILE.png
"""

from __future__ import annotations

import argparse
import sys

from vrest.cli.writes import check_target, write_file
from vrest.errors import ParameterError

USAGE = """\
run a sweep (or resume it: the same spec and --out finish the missing chunks only):
  vrest sweep SPEC.toml --out DIR [--scheduler ADDRESS] [--workers N] [--csv]
plot a finished sweep:
  vrest sweep plot DIR --x NAME --y NAME [--color NAME] --out FILE.png"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the sweep command."""
    p = subparsers.add_parser(
        "sweep", help="many cells at once (steady states or a protocol), resumable; or plot one",
        description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", metavar="SPEC.toml | plot", help="sweep spec file, or 'plot'")
    p.add_argument("directory", nargs="?", metavar="DIR", help="(plot) a finished sweep directory")
    p.add_argument("--out", metavar="DIR | FILE.png", help="output directory (run) or figure (plot)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the chunks on a Dask distributed scheduler, e.g. tcp://host:8786")
    p.add_argument("--workers", metavar="N", help="run the chunks in a local pool of N processes")
    p.add_argument("--csv", action="store_true", help="also write DIR/results.csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--x", metavar="NAME", help="(plot) column on the horizontal axis")
    p.add_argument("--y", metavar="NAME", help="(plot) column on the vertical axis")
    p.add_argument("--color", metavar="NAME", help="(plot) column shown by colour")
    p.set_defaults(func=run_sweep)


def run_sweep(args: argparse.Namespace) -> int:
    """Dispatch to running or plotting."""
    if args.spec == "plot":
        return _plot(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from vrest.sweep import runner as sweep
    from vrest.sweep.progress import ProgressBar

    for option in ("x", "y", "color"):
        if getattr(args, option):
            raise ParameterError(f"--{option}: only for `vrest sweep plot`")
    if args.directory:
        raise ParameterError(f"unexpected argument {args.directory!r} (a directory is only for "
                             "`vrest sweep plot DIR`); see `vrest sweep --help`")
    if not args.out:
        raise ParameterError("--out DIR is required: the directory for the results")
    if args.scheduler and args.workers:
        raise ParameterError("--scheduler and --workers: give one (the cluster has its own workers)")
    spec = sweep.load(args.spec)
    bar = None if args.quiet else ProgressBar(sys.stderr)
    try:
        result = sweep.run(spec, args.out, scheduler=args.scheduler,
                           workers=_workers(args.workers), csv=args.csv, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    print(f"sweep {spec.name}: {result.summary()}")
    if args.csv:
        print(f"csv: {result.directory / 'results.csv'}")
    return 0


def _workers(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ParameterError(f"--workers: {text!r} is not an integer") from None
    if not 1 <= value <= 1024:
        raise ParameterError(f"--workers: {value} is outside the allowed range [1, 1024]")
    return value


def _plot(args: argparse.Namespace) -> int:
    from vrest.sweep.plot import plot_sweep

    if not args.directory:
        raise ParameterError("plot: give the sweep directory: vrest sweep plot DIR --x NAME "
                             "--y NAME [--color NAME] --out FILE.png")
    for option in ("x", "y", "out"):
        if not getattr(args, option):
            raise ParameterError(f"plot: --{option} is required: vrest sweep plot DIR --x NAME "
                                 "--y NAME [--color NAME] --out FILE.png")
    check_target(args.out, "--out", figure=True)
    kinds = []
    write_file(args.out, "--out", lambda tmp: kinds.append(
        plot_sweep(args.directory, args.x, args.y, args.color, tmp)), figure=True)
    kind = kinds[0]
    print(f"wrote {args.out} ({kind})")
    return 0
