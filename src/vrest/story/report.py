"""Reports for ``vrest story``: a terminal report (coloured when the terminal supports it) and
one self-contained HTML file (figures embedded as base64 PNG, inline CSS, no scripts, nothing
fetched from the network).

Both take the :class:`vrest.story.Story` (for the figures) and its narrated dict
(:func:`vrest.story.text.narrate`), and only format: every number shown comes from that dict.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from vrest.model.what_v import LABELS
from vrest.story.quote import FORMATS, ION_LABEL

IONS = ("Na", "K", "Cl", "Ca")


def use_colour(stream: TextIO) -> bool:
    """Colour when ``stream`` is a terminal, unless NO_COLOR is set or TERM is 'dumb'
    (FORCE_COLOR forces a terminal); rich decides, as for every console it drives."""
    console = Console(file=stream)
    return console.is_terminal and console.color_system is not None and not console.no_color


def styled(text: str, *styles: str) -> str:
    """``text`` with rich ``styles`` ('bold', 'dim', 'cyan', ...) as terminal escape codes."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", highlight=False,
                      soft_wrap=True, width=max(80, len(text)))
    console.print(Text(text, style=" ".join(styles)), end="")
    return buffer.getvalue()


def _fmt(value: Any, kind: str = "mV") -> str:
    return "-" if value is None else FORMATS[kind](value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Rows as aligned text: the first ``left`` columns left-aligned, the others right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(str(c).rjust(w) if i >= left else str(c).ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in [header, *rows]]


# ------------------------------------------------------------------------------- shared tables


def summary_rows(data: dict[str, Any]) -> list[list[str]]:
    """One row per step: key, title, V, the four E's, settling time, ATP/s."""
    rows = []
    for s in [*data["steps"], data["real"]]:
        if s["skipped"]:
            continue
        e = s["end"]["E_mV"]
        settle = s["settle_s"]
        rows.append([s["key"], s["title"], _fmt(s["end"]["V_mV"]), *(_fmt(e[i]) for i in IONS),
                     _fmt(settle, "time") if settle is not None else f"({_fmt(s['duration_s'], 'time')})",
                     _fmt(s["atp_per_s"], "count")])
    return rows


SUMMARY_HEADER = ["step", "what", "V (mV)", "E_Na", "E_K", "E_Cl", "E_Ca", "settled in (ran)", "ATP/s"]
ION_HEADER = ["ion", "inside start (mM)", "inside end (mM)", "E end (mV)", "moved out (ions)",
              "fraction of content"]
#: Mechanism names in words, for prose ("Mechanisms added: ...").
MECHANISM_WORDS = {"anion_source": "trapped anions made inside", "pump": "the Na+/K+ pump",
                   "kcc2": "KCC2 (K+-Cl- cotransporter)", "nkcc1": "NKCC1", "ncx":
                   "the Na+/Ca2+ exchanger (NCX)", "pmca": "the Ca2+ pump (PMCA)", "water": "water flow",
                   **{f"leak.{i}": f"{ION_LABEL[i]} leak channels" for i in IONS}}


def mechanism_words(names: Sequence[str]) -> str:
    """Mechanism names as words, joined."""
    return ", ".join(MECHANISM_WORDS.get(n, n) for n in names)


def ion_rows(step: dict[str, Any]) -> list[list[str]]:
    """Per ion: inside start and end, E at the end, ions moved out, fraction of the content.

    In a step where the anion source makes anions with counter-ions, the only change of an ion
    is creation: it is reported as created inside, not as moved (nor as a fraction)."""
    made = "anion_source" in step.get("active", ())
    rows = []
    for i in IONS:
        ions = step["moved"][i]["ions"]
        if made and ions:
            moved, share = f"{_fmt(-ions, 'count')} created inside", "(created)"
        else:
            moved, share = _fmt(ions, "count"), _fmt(step["moved"][i]["fraction"], "pct")
        rows.append([ION_LABEL[i], _fmt(step["start"]["inside_mM"][i], "sig3"),
                     _fmt(step["end"]["inside_mM"][i], "sig3"), _fmt(step["end"]["E_mV"][i]),
                     moved, share])
    return rows


def lecture_rows(step: dict[str, Any]) -> list[list[str]]:
    """The lecture's figure next to the model's (a pure number shown as a percentage)."""
    kind = {"mV": "mV", "1": "pct"}
    return [[r["quantity"], _fmt(r["lecture"], kind.get(r["unit"], "sig3")),
             _fmt(r["model"], kind.get(r["unit"], "sig3")), "%" if r["unit"] == "1" else r["unit"]]
            for r in step["lecture"]]


def disputed_rows(step: dict[str, Any]) -> list[list[str]]:
    """GHK value, weighted averages, pump share, ATP/s."""
    an = step["analysis"]
    if not an:
        return []
    wv = an.get("what_v") or {}
    rows = [[LABELS["V_mV"], _fmt(an.get("V_mV"))],
            [LABELS["ghk_mV"], _fmt(an.get("V_leaks_mV"))]]
    if wv.get("with_pump_mV") is not None:
        rows.append([wv["with_pump_label"], _fmt(wv["with_pump_mV"])])
    rows += [[LABELS["chord_mV"], _fmt(an.get("chord_mV"))],
             [f"{LABELS['lecture_average_mV']} (by {an.get('weighted_by', '')}; an approximation)",
              _fmt(an.get("weighted_average_mV"))]]
    if "pump_share_mV" in an:
        rows.append(["pump's direct electrogenic share", _fmt(an["pump_share_mV"])])
    return rows


def steady_line(step: dict[str, Any]) -> str:
    """Where the run ended against the verified steady state."""
    st = step.get("steady")
    if not st:
        return ""
    if not st["exists"]:
        return "no steady state for this step's mechanisms"
    tau = st.get("slowest_time_constant_s")
    return (f"steady state (vrest.steady_state): V = {_fmt(st['V_mV'])} mV; the run ends "
            f"{_fmt(st['dV_mV'], 'sig2')} mV and at most {_fmt(st['max_rel_dc'], 'pct')} from it"
            + (f"; slowest time constant {_fmt(tau, 'time')}" if tau else ""))


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [*data["steps"], data["real"]]


# ------------------------------------------------------------------------------- terminal


def terminal(data: dict[str, Any], colour: bool = False) -> str:
    """The whole report as text (coloured by rich when ``colour``)."""
    def c(text: str, *styles: str) -> str:
        return styled(text, *styles) if colour else text

    out = [c(f"vrest story: {data['title']} (preset {data['preset']}, "
             f"{data['temperature_C']:g} degC)", "bold"),
           f"{data['cell']['shape']}: membrane {_fmt(data['cell']['area_um2'], 'sig3')} um^2, "
           f"volume {_fmt(data['cell']['volume_pL'], 'sig3')} pL; "
           + "; ".join(m["what"] for m in data["mechanisms"]), ""]
    out += [c("The build-up at a glance (end of each step)", "bold", "cyan")]
    out += _table(SUMMARY_HEADER, summary_rows(data), left=2) + [""]
    for s in _steps(data):
        out += _terminal_step(s, c)
    out += [c("Questions from the viewers", "bold", "cyan")]
    for q in data["questions"]:
        out += ["", c(f"Q: {q['question']}", "bold")]
        out += [f"  {a['text']}" for a in q.get("answer", [])]
    return "\n".join(out) + "\n"


def _terminal_step(s: dict[str, Any], c: Callable[..., str]) -> list[str]:
    added = mechanism_words(s["added"]) or "-"
    paused = f"; paused: {mechanism_words(s['paused'])}" if s["paused"] else ""
    head = "Real case" if s["key"] == "real" else f"Step {s['key']}"
    out = [c(f"{head}: {s['title']}  [added: {added}{paused}]", "bold", "cyan")]
    if s.get("claim"):
        out.append(c(f"  {s['claim']['text']}", "yellow"))
    out += [f"  - {x['text']}" for x in s.get("sentences", [])]
    if s["skipped"]:
        return [*out, ""]
    out += ["  " + line for line in _table(ION_HEADER, ion_rows(s))]
    if s["lecture"]:
        out += ["  " + line for line in _table(["quantity", "lecture", "model", "unit"], lecture_rows(s))]
    if disputed_rows(s):
        out += ["  " + line for line in _table(["disputed claim", "mV"], disputed_rows(s))]
    if steady_line(s):
        out.append(c(f"  {steady_line(s)}", "dim"))
    return [*out, ""]


# ------------------------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:70rem;margin:auto;
padding:1rem 1.5rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:2px solid #3a6ea5;padding-bottom:.2rem;margin-top:2.2rem}
.claim{background:#fff7e0;border-left:4px solid #e0a000;padding:.4rem .8rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem;display:block;overflow-x:auto;
max-width:100%}
th,td{border:1px solid #ccd;padding:.2rem .5rem;text-align:right}th{background:#eef2f8}
td:first-child,th:first-child{text-align:left}
figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.85rem;color:#555}.note{color:#555;font-size:.9rem}
nav a{margin-right:.8rem}table.summary td:nth-child(2){text-align:left}
"""


def _h(text: Any) -> str:
    return html.escape(str(text))


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_h(x)}</th>" for x in header)
    body = "".join("<tr>" + "".join(f"<td>{_h(x)}</td>" for x in r) + "</tr>" for r in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_html(fig: Any, caption: str) -> str:
    """A matplotlib figure as an embedded PNG with a caption naming its axes."""
    from vrest.story.plot import axis_labels

    labels = "; ".join(f"{y} against {x}" if x else y for x, y in axis_labels(fig) if y)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    _pyplot_close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = f"{caption}. Axes: {labels}."
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_h(alt)}">'
            f"<figcaption>{_h(caption)} (axes: {_h(labels)})</figcaption></figure>")


def _pyplot_close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def _html_step(story: Any, s: dict[str, Any]) -> str:
    from vrest.story.plot import step_figure

    head = "The real case" if s["key"] == "real" else f"Step {s['key']}"
    parts = [f'<section id="step-{_h(s["key"])}"><h2>{_h(head)}: {_h(s["title"])}</h2>']
    added = mechanism_words(s["added"]) or "nothing"
    paused = f"; paused: {mechanism_words(s['paused'])}" if s["paused"] else ""
    parts.append(f'<p class="note">Added in this step: {_h(added)}{_h(paused)}.</p>')
    if s.get("claim"):
        parts.append(f'<p class="claim">{_h(s["claim"]["text"])}</p>')
    parts.append("<ul>" + "".join(f"<li>{_h(x['text'])}</li>" for x in s.get("sentences", []))
                 + "</ul>")
    if not s["skipped"]:
        parts.append(_html_table(ION_HEADER, ion_rows(s)))
        if s["lecture"]:
            parts.append(_html_table(["quantity", "lecture", "model", "unit"], lecture_rows(s)))
        if disputed_rows(s):
            parts.append(_html_table(["disputed claim", "mV"], disputed_rows(s)))
        if steady_line(s):
            parts.append(f'<p class="note">{_h(steady_line(s))}.</p>')
        parts.append(figure_html(step_figure(story.step(s["key"])),
                                 f"{head}: V and the reversal potentials, inside concentrations "
                                 "and ions moved against time"))
    return "".join(parts) + "</section>"


def _html_questions(data: dict[str, Any]) -> str:
    from vrest.story.plot import question_figure
    from vrest.story.two_questions import two_questions

    parts = ['<section id="questions"><h2>Questions from the viewers</h2>']
    for q in data["questions"]:
        parts.append(f"<h3>{_h(q['question'])}</h3>")
        if q["key"] == "presets":
            rows = [[r["preset"], _fmt(r.get("V_rest_mV")), _fmt(r.get("E_K_mV")),
                     _fmt(r.get("E_Na_mV")), _fmt(r["temperature_C"], "sig3"),
                     _fmt(r["K_out_mM"], "sig3")] for r in q["rows"]]
            parts.append(_html_table(["preset", "V rest (mV)", "E_K (mV)", "E_Na (mV)",
                                      "T (degC)", "K+ out (mM)"], rows))
        parts += [f"<p>{_h(a['text'])}</p>" for a in q.get("answer", [])]
        if q.get("numbers"):
            parts.append(figure_html(question_figure(q), f"The numbers computed for: {q['question']}"))
    for question, answer in two_questions(data):
        parts.append(f"<h3>{_h(question)}</h3>" + "".join(f"<p>{_h(p)}</p>" for p in answer))
    return "".join(parts) + "</section>"


def html_report(story: Any, data: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML document."""
    from vrest._version import __version__
    from vrest.story.plot import overview_figure

    title = f"vrest story: {data['title']}"
    nav = " ".join(f'<a href="#step-{_h(s["key"])}">{_h(s["key"])}</a>' for s in _steps(data)
                   if not s["skipped"]) + ' <a href="#questions">questions</a>'
    cell = data["cell"]
    parts = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_h(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_h(title)}</h1>",
        f'<p class="note">Preset {_h(data["preset"])} at {data["temperature_C"]:g} degC; '
        f'{_h(cell["shape"])}, membrane {_h(_fmt(cell["area_um2"], "sig3"))} um^2, volume '
        f'{_h(_fmt(cell["volume_pL"], "sig3"))} pL. Mechanisms: '
        f'{_h("; ".join(m["what"] for m in data["mechanisms"]))}.</p>',
        f"<nav>{nav}</nav>",
        '<section id="overview"><h2>The build-up at a glance</h2>',
        _html_table(SUMMARY_HEADER, summary_rows(data), "summary"),
        figure_html(overview_figure(story), "The resting potential built step by step, with the "
                    "lecture's figures, and each step's V against time"),
        "</section>",
        *(_html_step(story, s) for s in _steps(data)),
        _html_questions(data),
        f'<footer class="note"><p>Made by vrest {_h(__version__)} (vrest story). Every number '
        "here is in the output of <code>vrest story --json</code>.</p></footer></body></html>",
    ]
    return "\n".join(parts)
