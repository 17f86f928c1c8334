"""Every example in README.md and docs/ runs and prints what the page says; the site builds.

How a page's fenced code blocks are run (all blocks of one page in order, in one fresh
directory that holds a copy of examples/, sharing one Python namespace):

- ```console: each `$ vrest ARGS` line runs in this process (`vrest.cli.main`), each
  `$ python ARGS` line as a subprocess of this interpreter. The lines up to the next `$` are the
  documented output. An output that starts with "vrest CMD: error:" must be the command's
  stderr, with exit status 2; any other output must be its stdout, with exit status 0 (progress
  bars on stderr are not shown in the pages). Help texts are formatted for 80 columns.
- ```pycon: a doctest (ELLIPSIS and NORMALIZE_WHITESPACE on).
- ```python: executed; it must not raise.
- Any block with `title="NAME"` (e.g. ```toml title="my_cell.toml") is also written to the file
  NAME, so that later commands can use it.
- ```sh: not run. Such blocks may only hold the commands in NOT_RUN: make targets (they run this
  suite themselves), the explorer's server (runs until stopped), the benchmarks (minutes, and
  their times are the machine's), the Dask cluster's daemons and commands that need that
  cluster (`--scheduler`; the same sweep runs on a LocalCluster in a python block). Everything else is a console,
  pycon or python block and runs.
- ```text, ```toml, ```json, ```csv: shown, not run (written to a file when titled).

How output is compared (console blocks): runs of spaces count as one, leading and trailing blank
lines are dropped. A line that is just `...` stands for any number of lines (none included);
`...` inside a line stands for any text (used for times, paths and sizes, which differ between
runs and machines). Otherwise every number must agree to within one unit of the last digit the
page shows (a page's -81.377 accepts -81.376 .. -81.378), so that last-digit noise of a solver
does not break the docs, and all other text must match exactly.
"""

from __future__ import annotations

import difflib
import doctest
import re
import shlex
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from vrest.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))

#: commands that ```sh blocks may show without running them (see the module docstring)
NOT_RUN = ("make ", "vrest serve", "git clone ", "cd ", ".venv/bin/python benchmarks/",
           "dask-scheduler", "dask-worker ", "pip install ")
SHOWN = {"text", "toml", "json", "csv"}
RUN = {"console", "pycon", "python"}

FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def blocks(page: Path) -> list[tuple[str, str, str]]:
    """(language, attributes, body) of every fenced block of a page, in order."""
    return [(m["lang"], m["attrs"].strip(), m["body"]) for m in FENCE.finditer(page.read_text())]


# ------------------------------------------------------------------------------- comparing


def _norm(line: str) -> str:
    return " ".join(line.split())


def _close(documented: str, actual: str) -> bool:
    """Within one unit of the last digit shown in `documented`."""
    mantissa, _, exponent = documented.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return abs(float(documented) - float(actual)) <= unit * (1 + 1e-9)


def line_matches(documented: str, actual: str) -> bool:
    documented, actual = _norm(documented), _norm(actual)
    if documented == actual:
        return True
    if "..." in documented:
        pattern = ".*".join(re.escape(part) for part in documented.split("..."))
        return re.fullmatch(pattern, actual) is not None
    numbers_d, numbers_a = NUMBER.findall(documented), NUMBER.findall(actual)
    return (NUMBER.sub("#", documented) == NUMBER.sub("#", actual)
            and len(numbers_d) == len(numbers_a)
            and all(_close(d, a) for d, a in zip(numbers_d, numbers_a, strict=True)))


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def output_matches(documented: str, actual: str) -> bool:
    doc, act = _trim(documented.splitlines()), _trim(actual.splitlines())

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(doc):
            return j == len(act)
        if doc[i].strip() == "...":
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and line_matches(doc[i], act[j]) and match(i + 1, j + 1)

    return match(0, 0)


def test_comparison_rules() -> None:
    assert output_matches("V = -81.377 mV", "V  =  -81.376 mV")
    assert not output_matches("V = -81.377 mV", "V = -81.379 mV")
    assert output_matches("a 4.66e+07 b", "a 4.661e+07 b")
    assert output_matches("x\n...\nz", "x\ny1\ny2\nz") and output_matches("x\n...\nz", "x\nz")
    assert output_matches("took ... s (... cells/s)", "took 0.31 s (32,000 cells/s)")
    assert not output_matches("step 3 K+ leak", "step 3 Na+ leak")
    assert not output_matches("x\ny", "x")


# ---------------------------------------------------------------------------- running


def _console(block: str, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, documented = chunk.partition("\n")
        argv = shlex.split(command)
        if argv[0] == "vrest":
            capsys.readouterr()
            try:
                code = main(argv[1:])
            except SystemExit as exc:  # argparse: --help, usage errors
                code = int(exc.code or 0)
            out, err = capsys.readouterr()
        elif argv[0] == "python":
            run = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True,
                                 check=False)
            code, out, err = run.returncode, run.stdout, run.stderr
        else:
            raise AssertionError(f"{where}: console blocks run only vrest and python: {command}")
        is_error = re.match(r"vrest [\w ]+: error:", documented.strip()) is not None
        shown = err if is_error else out
        assert code == (2 if is_error else 0), f"{where}: `{command}` exit {code}\n{err}"
        if not output_matches(documented, shown):
            diff = "\n".join(difflib.unified_diff(_trim(documented.splitlines()),
                                                  _trim(shown.splitlines()),
                                                  "documented", "actual", lineterm=""))
            raise AssertionError(f"{where}: `{command}` prints something else:\n{diff}")


def _pycon(block: str, where: str, namespace: dict) -> None:
    test = doctest.DocTestParser().get_doctest(block, namespace, where, where, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest works on a copy: keep its names for later blocks
    assert runner.failures == 0, "".join(report)


def run_page(page: Path, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "examples", workdir / "examples")
    namespace: dict = {"__name__": "__docs__"}
    for n, (lang, attrs, body) in enumerate(blocks(page), 1):
        where = f"{_rel(page)} block {n} ({lang})"
        title = re.search(r'title="([^"]+)"', attrs)
        if title:
            (workdir / title[1]).write_text(body, encoding="utf-8")
        if lang == "console":
            _console(body, where, capsys)
        elif lang == "pycon":
            _pycon(body, where, namespace)
        elif lang == "python":
            exec(compile(body, where, "exec"), namespace)  # noqa: S102 - the page's own code
        elif lang == "sh":
            for line in body.splitlines():
                line = line.split("#", 1)[0].strip()
                assert not line or line.startswith(NOT_RUN) or "--scheduler " in line, (
                    f"{where}: `{line}` is in a sh block but is not one of the commands that "
                    "cannot run in a test; put it in a console block")
        else:
            assert lang in SHOWN, f"{where}: unknown block language {lang!r}"


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_page_examples_run_as_documented(page: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run_page(page, tmp_path, capsys)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_rel)
def test_notebook_runs_without_errors(notebook: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="the docs extra is not installed")
    nbclient = pytest.importorskip("nbclient", reason="the docs extra is not installed")
    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError when a cell fails
    errors = [o for cell in nb.cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


# ---------------------------------------------------------------------------- the pages


def test_site_builds_strict(tmp_path: Path) -> None:
    """`make test` builds the site too: mkdocs build --strict (warnings are errors)."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_block_language_is_known() -> None:
    for page in PAGES:
        for lang, _, _ in blocks(page):
            assert lang in RUN | SHOWN | {"sh"}, f"{_rel(page)}: block language {lang!r}"


def test_readme_is_short_with_a_picture_first() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    assert any(line.startswith("![") for line in lines[:30])


def test_pages_point_only_inside_the_repository() -> None:
    """No machine's paths, no design documents that are not here, and every relative link and
    image of README.md resolves."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        # design documents that were cited but never part of the repository (spelt in two
        # parts so that a grep for them finds no reference here)
        for path in ("/work", "/tmp", "/root", "/home", "DESIGN" ".md", "MISSION" ".md"):
            assert path not in text, f"{_rel(page)} mentions {path}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README.md links to a missing {target}"
