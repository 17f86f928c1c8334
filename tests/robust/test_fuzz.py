"""Fuzz test: hundreds of bad or extreme inputs over every CLI command, every file kind
(preset, protocol and sweep spec TOML, fit CSV) and every web API route.

Every case must end cleanly: exit status 2 with exactly one line on stderr (or 0 for an
extreme but valid input), or an HTTP 4xx JSON answer (or 200); never a traceback, a 500, a
NaN or inf in what is printed or answered, and never more than CASE_LIMIT_S seconds (measured
per case: a bound on runaway work, not a speed test).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

import fuzz_cases as cases
import pytest
from fastapi.testclient import TestClient

from vrest.cli import main
from vrest.web.app import create_app

CASE_LIMIT_S = 10.0
NONFINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def _run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, float]:
    start = time.monotonic()
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors: one line, status 2
        status = int(exc.code or 0)
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    return status, out, err, seconds


def _check_cli(argv: list[str], expect: str, status: int, out: str, err: str, seconds: float,
               given: str = "") -> None:
    shown = " ".join(a[:40] for a in argv)
    assert seconds < CASE_LIMIT_S, f"{shown}: took {seconds:.1f} s"
    assert "Traceback" not in err + out, f"{shown}: traceback\n{err}"
    assert "Warning" not in err, f"{shown}: a warning reached the terminal\n{err}"
    allowed = {2} if expect == cases.REFUSED else {0, 2}
    assert status in allowed, f"{shown}: exit {status}\n{out}\n{err}"
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("vrest"), f"{shown}: stderr {err!r}"
    echoed = " ".join(argv).lower() + given  # an error may quote the input's own nan or inf
    # bath.volume_ratio = inf is a valid value: an infinite bath
    printed = "\n".join(line for line in (out + err).splitlines() if "volume_ratio" not in line)
    if not NONFINITE.search(echoed):
        assert not NONFINITE.search(printed), f"{shown}: non-finite value printed\n{out}{err}"


@pytest.fixture()
def placeholders(tmp_path: Path) -> dict[str, str]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    return {"FIFO": str(fifo), "DIRECTORY": str(tmp_path / "folder"),
            "MISSING": str(tmp_path / "missing.toml"), "OUT": str(tmp_path / "out")}


def _materialise(case: cases.CliCase, tmp_path: Path, subst: dict[str, str]) -> list[str]:
    names = dict(subst)
    for key, data in case.files.items():
        path = tmp_path / f"{key.lower()}.{'csv' if key == 'DATA' else 'toml'}"
        path.write_bytes(data)
        names[key] = str(path)
    return [names.get(a, a) for a in case.argv]


CLI_CASES = cases._options()


def test_the_tables_hold_enough_cases() -> None:
    files = 4 * (len(cases.GARBAGE) + len(cases.SPECIAL_PATHS)) + len(cases.protocol_texts()) + \
        len(cases.preset_texts()) + len(cases.spec_texts()) + len(cases.CSV_TEXTS)
    total = len(CLI_CASES) + files + len(cases.api_cases())
    assert len(CLI_CASES) >= 300 and files >= 150 and len(cases.api_cases()) >= 200, total


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.label()[:60] for c in CLI_CASES])
def test_cli_options(case: cases.CliCase, tmp_path: Path, placeholders: dict[str, str],
                     capsys: pytest.CaptureFixture[str]) -> None:
    argv = _materialise(case, tmp_path, placeholders)
    _check_cli(argv, case.expect, *_run_cli(argv, capsys))


def test_serve_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        argv = ["serve", "--port", str(port)]
        status, out, err, seconds = _run_cli(argv, capsys)
    _check_cli(argv, cases.REFUSED, status, out, err, seconds)
    assert f"cannot listen on 127.0.0.1:{port}" in err


# -- files ---------------------------------------------------------------------------------------

#: How each file kind is read by the command line (FILE: the file).
READERS = {
    "preset": ["params", "--preset", "FILE"],
    "preset_steady": ["steady", "--preset", "FILE"],
    "protocol": ["simulate", "--protocol", "FILE", "--t-end", "2"],
    "spec": ["sweep", "FILE", "--out", "OUT", "--quiet"],
    "data": ["fit", "FILE", "--free", "perm.Na"],
}
SUFFIX = {"preset": ".toml", "preset_steady": ".toml", "protocol": ".toml", "spec": ".toml", "data": ".csv"}

GARBAGE_CASES = [(kind, name) for kind in ("preset", "protocol", "spec", "data")
                 for name in [*cases.GARBAGE, *cases.SPECIAL_PATHS]]


def _file_case(kind: str, path: str, expect: str, subst: dict[str, str],
               capsys: pytest.CaptureFixture[str], given: str = "") -> str:
    argv = [path if a == "FILE" else subst.get(a, a) for a in READERS[kind]]
    status, out, err, seconds = _run_cli(argv, capsys)
    _check_cli(argv, expect, status, out, err, seconds, given.lower())
    return err


@pytest.mark.parametrize(("kind", "name"), GARBAGE_CASES)
def test_garbage_files(kind: str, name: str, tmp_path: Path, placeholders: dict[str, str],
                       capsys: pytest.CaptureFixture[str]) -> None:
    if name in cases.GARBAGE:
        path = tmp_path / f"bad{SUFFIX[kind]}"
        path.write_bytes(cases.GARBAGE[name])
        target = str(path)
    else:
        target = placeholders.get(name, name)
    empty_protocol = kind == "protocol" and name == "empty"  # valid: no events, the defaults
    err = _file_case(kind, target, cases.ANY if empty_protocol else cases.REFUSED, placeholders,
                     capsys)
    if name in ("utf16", "latin1", "binary"):
        assert "UTF-8" in err or "not valid TOML" in err or "cannot be read as CSV" in err, err
    if name in ("/dev/zero", "/dev/urandom", "FIFO"):
        assert "not a regular file" in err, err


PROTOCOLS = cases.protocol_texts()


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_protocol_files(name: str, tmp_path: Path, placeholders: dict[str, str],
                        capsys: pytest.CaptureFixture[str]) -> None:
    expect, text = PROTOCOLS[name]
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    _file_case("protocol", str(path), expect, placeholders, capsys, text)


PRESETS = cases.preset_texts()


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("kind", ["preset", "preset_steady"])
def test_preset_files(name: str, kind: str, tmp_path: Path, placeholders: dict[str, str],
                      capsys: pytest.CaptureFixture[str]) -> None:
    expect, text = PRESETS[name]
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    _file_case(kind, str(path), expect, placeholders, capsys, text)


SPECS = cases.spec_texts()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_files(name: str, tmp_path: Path, placeholders: dict[str, str],
                    capsys: pytest.CaptureFixture[str]) -> None:
    expect, text = SPECS[name]
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    _file_case("spec", str(path), expect, placeholders, capsys, text)


@pytest.mark.parametrize("name", sorted(cases.CSV_TEXTS))
def test_fit_csv_files(name: str, tmp_path: Path, placeholders: dict[str, str],
                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.csv"
    path.write_text(cases.CSV_TEXTS[name], encoding="utf-8")
    err = _file_case("data", str(path), cases.REFUSED, placeholders, capsys, cases.CSV_TEXTS[name])
    if name in ("v_huge", "nan", "inf", "neg_k", "text", "ragged", "sd_tiny", "k_huge", "sd_zero"):
        assert "line " in err, err
    if name == "constant":
        assert "zero variance" in err, err


# -- web API -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(create_app(max_seconds=4.0, workers=2)) as c:
        yield c


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


API_CASES = cases.api_cases()


@pytest.mark.parametrize(("method", "path", "body", "expect"), API_CASES,
                         ids=[f"{m} {p[:40]} {json.dumps(b)[:40]}" for m, p, b, _ in API_CASES])
def test_api(client: Any, method: str, path: str, body: Any, expect: str) -> None:
    start = time.monotonic()
    if method == "POST" and body is not None and not isinstance(body, str):
        raw = json.dumps(body).encode()
        response = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
    else:
        response = client.request(method, path, content=None if body is None else str(body))
    seconds = time.monotonic() - start
    assert seconds < CASE_LIMIT_S, f"{method} {path}: {seconds:.1f} s"
    assert response.status_code != 500 and response.status_code < 500, response.text[:300]
    if expect == cases.REFUSED:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        data = response.json()
        assert isinstance(data.get("error"), str) and "Traceback" not in data["error"]
        assert len(data["error"]) < 2000, "an error message echoes a huge input"
    elif response.headers["content-type"].startswith("application/json"):
        assert _finite(response.json()), "non-finite number in a 200 answer"
