"""`vrest presets list` and `vrest presets show`: the built-in presets, their values, units and
the source of each value."""

from __future__ import annotations

import argparse
from typing import Any

from vrest.cli.calculators import add_json, table, temperature_text
from vrest.cli.output import print_json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `vrest presets` to the `vrest` parser."""
    _add_presets(subparsers)


def _add_presets(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "presets",
        help="list and show the built-in presets",
        description="Cell compositions with a source for every value.",
    )
    inner = p.add_subparsers(
        dest="presets_command", metavar="{list,show}", parser_class=type(p), required=True
    )
    lst = inner.add_parser("list", help="names and titles of the presets",
                           description="List the built-in presets by name and title.")
    add_json(lst)
    lst.set_defaults(func=_run_presets_list)
    show = inner.add_parser("show", help="one preset's values, units and sources",
                            description="Show one preset's values, units and the source of each.")
    show.add_argument("name", metavar="NAME", help="preset name or .toml path")
    add_json(show)
    show.set_defaults(func=_run_presets_show)


def _run_presets_list(args: argparse.Namespace) -> int:
    from vrest.model.presets import loader as presets

    items = [(name, presets.load(name).title) for name in presets.names()]
    if args.json:
        print_json([{"name": n, "title": t} for n, t in items])
    else:
        width = max(len(n) for n, _ in items)
        for name, title in items:
            print(f"{name.ljust(width)}  {title}")
    return 0


def _preset_dict(preset: Any) -> dict[str, Any]:
    return {
        "name": preset.name,
        "title": preset.title,
        "description": preset.description,
        "temperature_K": preset.temperature_K,
        "inside_mM": preset.inside,
        "outside_mM": preset.outside,
        "permeability_rel_K": preset.permeability,
        "sources": preset.sources,
        "value_sources": preset.value_sources,
    }


def _run_presets_show(args: argparse.Namespace) -> int:
    from vrest.model.presets import loader as presets

    preset = presets.load(args.name)
    if args.json:
        print_json(_preset_dict(preset))
        return 0
    src = preset.value_sources
    print(f"{preset.name}: {preset.title}\n\n{preset.description}\n")
    print(f"temperature: {temperature_text(preset.temperature_K)}  [{src['temperature']}]")
    rows = [
        [
            ion,
            f"{preset.inside[ion]:g}",
            src[f"inside.{ion}"],
            f"{preset.outside[ion]:g}",
            src[f"outside.{ion}"],
            f"{preset.permeability[ion]:g}" if ion in preset.permeability else "-",
            src.get(f"permeability.{ion}", ""),
        ]
        for ion in preset.ions()
    ]
    print(table(["ion", "in (mM)", "source", "out (mM)", "source", "P/P_K", "source"], rows))
    print("\nsources:")
    for key, citation in preset.sources.items():
        print(f"  [{key}] {citation}")
    return 0
