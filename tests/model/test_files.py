"""The input-file checks shared by every loader, and the protocol file's schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import vrest
from vrest.errors import PresetError, UnknownNameError
from vrest.model import files
from vrest.model.protocol import load as load_protocol
from vrest.model.protocol import segments


def _protocol(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("line", "message"), [
    ('set = { "bath.K" = "ten" }', "set: bath.K: 'ten' is not a number (str)"),
    ('set = { "bath.K" = [1] }', "set: bath.K: [1] is not a number (list)"),
    ('set = { "bath.K" = true }', "set: bath.K: True is not a number (bool)"),
    ('replace = { ion = "Zz", to = 5, with = "Na" }', "replace: ion = 'Zz' is not a bath ion; valid: Na, K, Cl, Ca"),
    ("restore = [1]", "restore: [1] is not allowed; give a list of names"),
    ('restore = "bath.K"', "restore: 'bath.K' is not allowed; give a list of names"),
    ('add = ["pump"]', "add: ['pump'] is not allowed; give a list of tables"),
    ("t = true", "t (s): True is not a number (bool)"),
])
def test_protocol_events_are_checked(tmp_path: Path, line: str, message: str) -> None:
    text = f"t_end = 2.0\n[[event]]\n{line}\n" if line.startswith("t =") else \
        f"t_end = 2.0\n[[event]]\nt = 1.0\n{line}\n"
    with pytest.raises(PresetError) as info:
        load_protocol(_protocol(tmp_path, text))
    assert f"event 1: {message}" in str(info.value)


def test_protocol_booleans_are_not_numbers(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match=r"t_end \(s\): True is not a number \(bool\)"):
        load_protocol(_protocol(tmp_path, "t_end = true\n"))


def test_restoring_an_unknown_parameter_names_it(tmp_path: Path) -> None:
    protocol = load_protocol(_protocol(tmp_path, 't_end = 2.0\n[[event]]\nt = 1.0\nrestore = ["nosuch.x"]\n'))
    with pytest.raises(UnknownNameError, match="unknown parameter to restore at 1 s 'nosuch.x'; valid: "):
        segments(vrest.load_cell("rpl1"), protocol, 2.0)


def test_a_valid_protocol_file_still_loads(tmp_path: Path) -> None:
    protocol = load_protocol(_protocol(tmp_path, 't_end = 5.0\n[[event]]\nt = 1.0\nset = { "bath.K" = 10 }\n'
                                                 '[[event]]\nt = 2.0\nrestore = ["bath.K"]\n'))
    assert [e.t for e in protocol.events] == [1.0, 2.0] and protocol.events[0].set == {"bath.K": 10.0}


def test_devices_fifos_and_big_files_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        with pytest.raises(PresetError, match="is not a regular file"):
            files.read_text(path, "preset")
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (files.SIZE_LIMITS["preset"] + 1))
    with pytest.raises(PresetError, match="1,000,001 bytes is too large; at most 1,000,000"):
        files.read_text(big, "preset")


def test_encodings(tmp_path: Path) -> None:
    path = tmp_path / "u.toml"
    path.write_bytes('name = "x"\n'.encode("utf-16"))
    with pytest.raises(PresetError, match=r"is not UTF-8 text \(it looks like UTF-16\)"):
        files.read_text(path, "protocol")
    path.write_bytes('\ufeffname = "é"\n'.encode())
    assert files.read_text(path, "protocol") == 'name = "é"\n'


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(PresetError, match="nested too deeply"):
        files.parse_toml("a = " + "[" * 3000 + "]" * 3000, "f")
    with pytest.raises(PresetError, match="nested too deeply; at most 20 levels"):
        files.parse_toml("a = " + "[" * 30 + "]" * 30, "f")
    assert files.parse_toml("a = [[1]]", "f") == {"a": [[1]]}


def test_number_never_takes_a_boolean() -> None:
    assert files.number(3, "x") == 3.0
    for bad in (True, False, "3", None, float("nan")):
        with pytest.raises(PresetError):
            files.number(bad, "x")
