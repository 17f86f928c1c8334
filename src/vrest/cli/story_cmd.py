"""`vrest story`: the lecture's steps computed, as a terminal report, HTML, PNG or JSON.

No physics here: vrest.story computes, vrest.story.text words it, vrest.story.report and
vrest.story.plot render it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vrest.cli.output import print_json
from vrest.cli.writes import check_target, write_file, write_text


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `vrest story` to the `vrest` parser."""
    from vrest.model.presets.loader import DEFAULT_PRESET

    p = subparsers.add_parser(
        "story", help="the lecture's step-by-step build-up of the resting potential, computed",
        description="Runs the lecture's imaginary steps (no gradients; trapped anions; the pump; "
                    "K+, Na+ and Cl- leaks; KCC2; NCX) as real simulations, each from the previous "
                    "state, then everything at once, and answers the viewers' questions with "
                    "computed experiments.")
    p.add_argument("--preset", default=DEFAULT_PRESET,
                   help=f"preset name or .toml path (default: {DEFAULT_PRESET})")
    p.add_argument("--temp", help="temperature: degC (37) or kelvin with a K suffix (310.15K); "
                                  "default: the preset's")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML report to FILE")
    p.add_argument("--png", metavar="FILE", help="write the overview figure to FILE (PNG)")
    p.add_argument("--json", action="store_true",
                   help="print every number (and every sentence with the numbers it quotes) as JSON")
    p.add_argument("--appendix", choices=["spike"],
                   help="print an appendix instead of the story: 'spike' fires an action "
                        "potential in the squid axon of Hodgkin & Huxley (preset squid_hh)")
    p.set_defaults(func=run)


def _writable(path: str | None, option: str, figure: bool = False) -> Path | None:
    return None if path is None else check_target(path, option, figure)


def run(args: argparse.Namespace) -> int:
    """Compute the story and write what was asked for."""

    from vrest.cli import parsing
    from vrest.story import report as story_report
    from vrest.story import steps as story
    from vrest.story import text as story_text

    if args.appendix == "spike":
        from vrest.story import spike

        numbers = spike.appendix()
        if args.json:
            print_json(numbers, indent=1)
        else:
            sys.stdout.write(spike.text(numbers))
        return 0
    html_path, png_path = _writable(args.html, "--html"), _writable(args.png, "--png", figure=True)
    temp_c = parsing.parse_temperature(args.temp) - 273.15 if args.temp is not None else None
    result = story.run_story(args.preset, temp_c)
    data = story_text.narrate(result.to_dict())
    written = _write_files(result, data, html_path, png_path)
    if args.json:
        print_json(data, indent=1)
    else:
        sys.stdout.write(story_report.terminal(data, story_report.use_colour(sys.stdout)))
    notes = sys.stderr if args.json else sys.stdout
    for what, path in written:
        print(f"wrote {what}: {path} ({path.stat().st_size / 1024:.0f} kB)", file=notes)
    return 0


def _write_files(result: Any, data: dict[str, Any], html_path: Path | None,
                 png_path: Path | None) -> list[tuple[str, Path]]:
    from vrest.errors import ParameterError

    written = []
    try:
        if html_path is not None:
            from vrest.story.report import html_report

            write_text(html_path, "--html", html_report(result, data))
            written.append(("the HTML report (open it in a browser)", html_path))
        if png_path is not None:
            from vrest.story.plot import overview_figure

            write_file(png_path, "--png", lambda tmp: overview_figure(result, tmp), figure=True)
            written.append(("the overview figure", png_path))
    except OSError as exc:
        raise ParameterError(f"cannot write {exc.filename}: {exc.strerror}") from None
    return written
