"""Every `vrest CMD --help` (and `vrest CMD SUB --help`) opens with a one-line description of
what the command does, after the usage line; so does `vrest --help`."""

from __future__ import annotations

import argparse

import pytest

from vrest.cli import build_parser


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


def test_the_walk_finds_every_command():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"nernst", "simulate", "steady", "params", "protocols", "story", "serve",
            "sensitivity", "presets list", "experiment kout"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_help_has_a_description(path, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*path, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    assert usage.startswith("usage: vrest " + " ".join(path))
    description = rest.split("\n\n", 1)[0].strip()
    assert description and not description.startswith(("positional arguments", "options")), out
    assert len(description.split()) >= 5, description


def test_top_level_help_speaks_to_users():
    help_ = build_parser().format_help()
    assert "How a neuron's resting membrane potential arises" in help_
    assert "No physics here" not in help_
