"""The `vrest` command line. No physics here: every command calls the public API.

Each command family lives in its own module with a ``register(subparsers)`` function that adds
its subcommands and sets ``func`` (called with the parsed namespace, returns an exit status).
Heavy imports happen inside the command functions, so ``vrest --help`` stays fast.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from vrest._version import __version__
from vrest.cli.quiet import quiet
from vrest.errors import VrestError

#: Modules under vrest.cli that contribute subcommands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "calculators",  # nernst, ghk, explain
    "presets_cmd",  # presets list, presets show
    "model_cmds",  # simulate, steady, params, protocols
    "story_cmd",  # story
    "serve_cmd",  # serve
    "sweep_cmd",  # sweep
    "fit_cmds",  # fit, sensitivity, experiment
)


DESCRIPTION = ("How a neuron's resting membrane potential arises and is kept: calculators "
               "(nernst, ghk, explain), a cell model to simulate and settle (simulate, steady), "
               "the lecture's story step by step (story), an explorer in the browser (serve), "
               "and sweeps and fits for research.")


class _Parser(argparse.ArgumentParser):
    """argparse parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"vrest {self.prog.split(' ', 1)[-1] if ' ' in self.prog else ''}: "
                     f"error: {message}\n".replace("vrest : ", "vrest: "))


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available command family."""
    parser = _Parser(prog="vrest", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"vrest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"vrest.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"vrest.cli.{name}":
                continue  # family not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vrest` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with quiet() as caught:
        return _run(args, caught)


def _run(args: argparse.Namespace, caught: list[str]) -> int:
    try:
        status = int(args.func(args) or 0)
        # The command is done: keep the interpreter's final garbage collection from walking
        # every object numba and scipy created (about 0.25 s of a short command's exit).
        gc.freeze()
        return status
    except VrestError as exc:
        note = f" (numerical warning: {caught[0]})" if caught else ""
        print(f"vrest {args.command}: error: {exc}{note}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt:
        print("vrest: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
