"""Generated bad and extreme inputs for the fuzz tests (test_fuzz.py): CLI arguments, file
contents of every kind, and web API requests. Each case says what must happen: ``refused``
(exit 2 / HTTP 4xx) or ``any`` (extreme but perhaps valid: exit 0 or 2 / HTTP 200 or 4xx)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

REFUSED, ANY = "refused", "any"

BAD_NUMBERS = ["nan", "inf", "-inf", "1e999", "abc", "", "1e", "--1", "0x10", "true", "١٢",
               "1,2,3", " ", "1e308e2"]
EXTREME_NUMBERS = ["1e308", "-1e308", "1e-308", "0", "-0", "5e-324", "1e-300", "-1"]


@dataclass(frozen=True)
class CliCase:
    """A command line; ``files`` maps a placeholder in ``argv`` to file bytes to write."""

    argv: tuple[str, ...]
    expect: str = REFUSED
    files: dict[str, bytes] = field(default_factory=dict)

    def label(self) -> str:
        return " ".join(a if len(a) < 30 else a[:27] + "..." for a in self.argv)


def _options() -> list[CliCase]:
    """Every numeric option of every command with bad and extreme values."""
    numeric = [
        (("nernst", "K", "--out", "5"), "--in"), (("nernst", "K", "--in", "140"), "--out"),
        (("nernst", "K", "--in", "140", "--out", "5"), "--temp"),
        (("nernst", "X", "--in", "1", "--out", "2"), "--z"),
        (("ghk",), "--temp"), (("explain",), "--vm"), (("explain",), "--temp"),
        (("simulate", "--t-end", "1"), "--dt"), (("simulate",), "--t-end"),
        (("experiment", "kout", "--points", "3"), "--from"),
        (("experiment", "kout", "--points", "3"), "--to"),
        (("experiment", "kout"), "--points"), (("experiment", "kout", "--points", "3"), "--noise"),
        (("sensitivity",), "--top"), (("sweep", "SPEC", "--out", "OUT"), "--workers"),
        (("serve",), "--port"), (("serve",), "--max-seconds"), (("serve",), "--workers"),
        (("serve",), "--queue"),
    ]
    out = [CliCase((*base, opt, v), files=_spec_file(base)) for base, opt in numeric
           for v in BAD_NUMBERS[:9]]
    extreme = [(("nernst", "K", "--out", "5"), "--in"), (("ghk",), "--temp"),
               (("explain",), "--vm"), (("experiment", "kout", "--points", "3"), "--to")]
    out += [CliCase((*base, opt, v), ANY) for base, opt in extreme for v in EXTREME_NUMBERS]
    for cmd in ("ghk", "explain"):
        for opt in ("--in", "--out"):
            out += [CliCase((cmd, opt, f"K={v}")) for v in ("nan", "-1", "abc", "1e999")]
            out.append(CliCase((cmd, opt, "Zz=1")))
    out += [CliCase(("ghk", "--perm", p)) for p in
            ("K=1e308,Na=0.04,Cl=0.45", "K=-1", "K=nan", "Na=inf", "K", "=1", "K=1=2")]
    for cmd in ("steady", "params", "simulate", "sensitivity"):
        out += [CliCase((cmd, "--set", s)) for s in
                ("bath.K=nan", "bath.K=-1", "bath.K=1e308", "nosuch.x=1", "bath.K", "cell.temperature=-300")]
        out += [CliCase((cmd, "--preset", p)) for p in ("nosuch", "x" * 60_000, "../../etc/passwd")]
    out += [CliCase(("story", "--preset", p)) for p in ("nosuch", "x" * 5000)]
    out += [CliCase(("story", "--temp", t)) for t in ("nan", "-300", "500K", "0K", "abc")]
    out += [CliCase(("fit", "DATA", "--free", f), files=_DATA) for f in ("", "nosuch", "perm.K", ",,")]
    out += [CliCase(("fit", "DATA", "--free", "perm.Na", "--level", v), files=_DATA)
            for v in ("0", "1", "nan", "2", "abc")]
    out += [CliCase(("fit", "DATA", "--free", "perm.Na", "--fix", v), files=_DATA)
            for v in ("ljp=nan", "perm.Na=1", "nosuch=1", "ljp")]
    out += [CliCase(("sensitivity", "--params", p)) for p in ("nosuch", "", "bath.K,nosuch")]
    out += [CliCase(("sensitivity", "--by", "nosuch"))]
    out += [CliCase(("experiment", "kout", "--points", "3", "--seed", s), ANY) for s in ("-1", "abc", "1e30")]
    out += [CliCase(("sweep", "SPEC", "--out", "OUT", "--scheduler", s), files=_SPEC)
            for s in ("garbage://127.0.0.1:1", "nosuch://x", "://", "tcp://")]
    out += [CliCase(("nosuchcommand",)), CliCase(("nernst",)), CliCase(("nernst", "Zz", "--in", "1", "--out", "2"))]
    return out


_DATA = {"DATA": b"K_o_mM,V_mV\n1,-100\n3,-80\n10,-60\n30,-35\n"}
_SPEC_TEXT = b"""name = "small"
cell = "rpl1"
chunk_size = 7
[sampling]
mode = "grid"
[[vary]]
name = "bath.K"
values = [2.0, 5.0]
[task]
kind = "steady"
outputs = ["V"]
"""
_SPEC = {"SPEC": _SPEC_TEXT}


def _spec_file(base: tuple[str, ...]) -> dict[str, bytes]:
    return _SPEC if "SPEC" in base else {}


# -- file contents ------------------------------------------------------------------------------

GARBAGE: dict[str, bytes] = {
    "binary": bytes(range(256)) * 4,
    "utf16": 'name = "x"\n'.encode("utf-16"),
    "latin1": 'name = "caf\xe9"\n'.encode("latin-1"),
    "empty": b"",
    "deep": b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n",
    "deep_tables": b"a = " + b"{b = " * 500 + b"1" + b"}" * 500 + b"\n",
    "huge": b"# " + b"x" * 1_100_000 + b"\n",
    "not_toml": b"this is = = not toml\n[[[\n",
    "nul": b"name = \"a\x00b\"\n",
    "array_top": b"[[x]]\n[[x]]\n",
}
#: Special paths given instead of a file (the placeholders are made by the test).
SPECIAL_PATHS = ("/dev/zero", "/dev/null", "/dev/urandom", "FIFO", "DIRECTORY", "MISSING")


def builtin(kind: str, name: str) -> str:
    folder = {"preset": "presets", "protocol": "protocols"}[kind]
    return resources.files("vrest.model").joinpath(folder, f"{name}.toml").read_text()


PROTOCOL_EVENTS = [
    'set = { "bath.K" = "ten" }', 'set = { "bath.K" = [1, 2] }', 'set = { "bath.K" = { a = 1 } }',
    'replace = { ion = "Zz", to = 50, with = "Na" }', 'replace = { ion = "K", to = 50 }',
    'replace = { ion = "K", to = "x", with = "Na" }', 'replace = { ion = "K", to = 1e9, with = "Na" }',
    'replace = { ion = "K", to = 50, with = "K" }', 'replace = "K"', "restore = [1]",
    'add = ["pump"]', 'add = [{ type = "nosuch" }]', 'add = [{ type = "nkcc1", U = "x" }]',
    'add = [{ type = "water" }]', 'restore = "bath.K"', 'restore = ["nosuch.x"]',
    'set = { "bath.K" = true }', 'set = { "bath.K" = -1 }', 'set = { "bath.K" = 1e308 }',
    'set = { "nosuch.param" = 1 }', 'set = { "cell.radius" = 5 }', 'set = { "inside.K" = 5 }',
    "scale = { pump = -1 }", "scale = { nosuch = 0 }", "scale = { pump = true }",
    'scale = { pump = "x" }', 'remove = ["nosuch"]', 'remove = "pump"', "label = 5", "nosuch = 1",
    'set = { "cell.temperature" = -273.15 }', 'set = { "bath.Na" = 1e-300 }',
]
PROTOCOL_TOPS = ["t_end = true", "t_end = 0", "t_end = -5", 't_end = "x"', "dt = inf", "dt = nan",
                 "dt = [1]", "name = 5", "description = []", "nosuch = 1", "event = 5",
                 "event = [1, 2]", "t_end = 1e308"]
EVENT_TIMES = ["t = -1", "t = nan", "t = inf", 't = "x"', "t = true", "t = [0]"]


def protocol_texts() -> dict[str, tuple[str, str]]:
    """name -> (expectation, protocol TOML text)."""
    out = {}
    for i, line in enumerate(PROTOCOL_EVENTS):
        expect = ANY if "1e-300" in line else REFUSED
        out[f"event{i}"] = (expect, f't_end = 2.0\n[[event]]\nt = 1.0\n{line}\n')
    for i, line in enumerate(PROTOCOL_TOPS):
        out[f"top{i}"] = (REFUSED, f"{line}\n")
    for i, line in enumerate(EVENT_TIMES):
        out[f"time{i}"] = (REFUSED, f'[[event]]\n{line}\nset = {{ "bath.K" = 10 }}\n')
    out["no_t"] = (REFUSED, '[[event]]\nset = { "bath.K" = 10 }\n')
    return out


PRESET_EDITS = [("K = 140.0", "K = true"), ("K = 140.0", 'K = "ten"'), ("K = 140.0", "K = [1]"),
                ("K = 140.0", "K = -1"), ("K = 140.0", "K = 1e-300"), ("K = 140.0", "K = 1e308"),
                ("K = 140.0", "K = nan"), ("K = 140.0", "K = inf"), ("K = 3.5", "K = 0"),
                ("value = 310.15", "value = 0.1"), ("value = 310.15", "value = true"),
                ('unit = "K"', 'unit = "F"'), ("radius = 10.0", "radius = 1e308"),
                ("radius = 10.0", "radius = 0"), ("capacitance = 1.0", "capacitance = 1e-300"),
                ('shape = "sphere"', 'shape = "cube"'), ("P = 1e-6", "P = true"),
                ("P = 1e-6", "P = 1e300"), ('type = "leak"', 'type = "nosuch"'),
                ('ion = "K"', 'ion = "Zz"'), ("V0 = -65.0", "V0 = 1e308"), ("z_X = -1.0", "z_X = 0"),
                ("Na = 0.04", "Na = -0.04"), ('name = "rpl1"', "name = 5"),
                ('name = "rpl1"', 'name = "rpl1"\nnosuch = 1'), ("[inside]", "[insides]")]


def preset_texts() -> dict[str, tuple[str, str]]:
    base = builtin("preset", "rpl1")
    out = {}
    for i, (old, new) in enumerate(PRESET_EDITS):
        assert old in base, old
        out[f"edit{i}"] = (ANY, base.replace(old, new, 1))
    return out


SPEC_EDITS = [('cell = "rpl1"', 'cell = "nosuch"'), ('cell = "rpl1"', "cell = 5"),
              ("chunk_size = 7", "chunk_size = true"), ("chunk_size = 7", "chunk_size = 0"),
              ("chunk_size = 7", "chunk_size = 1e9"), ("chunk_size = 7", "chunk_size = 10000000"),
              ('mode = "grid"', 'mode = "nosuch"'), ('name = "bath.K"', 'name = "nosuch.x"'),
              ("values = [2.0, 5.0]", "values = [true, 5.0]"), ("values = [2.0, 5.0]", "values = []"),
              ("values = [2.0, 5.0]", 'values = ["a"]'), ("values = [2.0, 5.0]", "values = [nan]"),
              ("values = [2.0, 5.0]", "values = [-1.0]"), ("values = [2.0, 5.0]", "geomspace = [1, 2, 1e12]"),
              ("values = [2.0, 5.0]", "linspace = [1, 2, true]"), ('kind = "steady"', 'kind = "nosuch"'),
              ('outputs = ["V"]', 'outputs = ["nosuch"]'), ('outputs = ["V"]', 'outputs = "V"'),
              ('outputs = ["V"]', "outputs = []"), ("[task]", "[tasks]"),
              ('name = "small"', 'name = "small"\nnosuch = 1')]


def spec_texts() -> dict[str, tuple[str, str]]:
    base = _SPEC_TEXT.decode()
    out = {}
    for i, (old, new) in enumerate(SPEC_EDITS):
        assert old in base, old
        out[f"edit{i}"] = (ANY if "10000000" in new else REFUSED, base.replace(old, new, 1))
    return out


CSV_TEXTS = {
    "v_huge": "K_o_mM,V_mV\n1,-100\n3,1e308\n10,-60\n", "sd_tiny": "K_o_mM,V_mV,V_sd_mV\n1,-100,1e-308\n3,-80,1\n10,-60,1\n",
    "sd_huge": "K_o_mM,V_mV,V_sd_mV\n1,-100,1e300\n3,-80,1e300\n10,-60,1e300\n",
    "constant": "K_o_mM,V_mV\n1,-70\n3,-70\n10,-70\n30,-70\n", "nan": "K_o_mM,V_mV\n1,nan\n3,-80\n10,-60\n",
    "inf": "K_o_mM,V_mV\n1,-100\ninf,-80\n10,-60\n", "neg_k": "K_o_mM,V_mV\n-1,-100\n3,-80\n10,-60\n",
    "text": "K_o_mM,V_mV\n1,abc\n3,-80\n10,-60\n", "empty_field": "K_o_mM,V_mV\n1,\n3,-80\n10,-60\n",
    "no_rows": "K_o_mM,V_mV\n", "no_columns": "a,b\n1,2\n", "ragged": "K_o_mM,V_mV\n1,-100,5\n3\n",
    "wide": "K_o_mM,V_mV\n" + ",".join(["1"] * 200_000) + "\n", "one_point": "K_o_mM,V_mV\n1,-100\n",
    "quote": 'K_o_mM,V_mV\n"1,-100\n3,-80\n', "k_huge": "K_o_mM,V_mV\n1e300,-100\n3,-80\n10,-60\n",
    "bool": "K_o_mM,V_mV\ntrue,-100\n3,-80\n10,-60\n", "only_comments": "# nothing\n# here\n",
    "sd_zero": "K_o_mM,V_mV,V_sd_mV\n1,-100,0\n3,-80,1\n10,-60,1\n",
}


def api_cases() -> list[tuple[str, str, Any, str]]:
    """(method, path, JSON body or None, expectation)."""
    out: list[tuple[str, str, Any, str]] = []
    bad_values: list[Any] = [True, False, None, "10", [1], {"a": 1}, 1e308, -1e308, 1e-308, -1, 0,
                             "inf", "nan", 10**400, "", "x" * 10_000]
    for route in ("/api/simulate", "/api/steady", "/api/explain"):
        for v in bad_values:
            out.append(("POST", route, {"preset": "rpl1", "params": {"bath.K": v}}, ANY))
            out.append(("POST", route, {"preset": v}, REFUSED))
            out.append(("POST", route, {"preset": "rpl1", "mechanisms": {"pump": v}},
                        ANY if isinstance(v, bool) else REFUSED))
        out += [("POST", route, body, REFUSED) for body in
                ([], "x", 5, None, {"nosuch": 1}, {"params": []}, {"params": {"nosuch.x": 1}},
                 {"params": {"x" * 100: 1}}, {"mechanisms": {"nosuch": True}},
                 {"params": {f"bath.K{i}": 1 for i in range(100)}})]
    for key in ("t_end", "points"):
        out += [("POST", "/api/simulate", {"preset": "rpl1", key: v}, REFUSED)
                for v in (True, False, None, "10", [1], -1, 0, 1e308, 86401, 10**6, "nan")]
    out += [("POST", "/api/simulate", {"preset": "rpl1", "experiment": e}, REFUSED) for e in
            ({"name": "nosuch"}, {"name": "raise_k", "value": True}, {"name": "raise_k", "value": "x"},
             {"value": 1}, [], {"name": "raise_k", "value": -1}, {"name": "temperature", "value": 1e308})]
    out += [("POST", "/api/explain", {"preset": "rpl1", "v_mV": v}, REFUSED)
            for v in (True, "x", 1e308, -501, [0])]
    out += [("POST", "/api/simulate", {"preset": p, "mechanisms": {"nkcc1": True}, "experiment": {"name": e}}, ANY)
            for p in ("dusterwald2018", "kay2017", "squid") for e in ("raise_k", "remove_cl", "no_gradients")]
    out.append(("POST", "/api/simulate", {
        "preset": "squid", "params": {"leak.Cl.P": 0, "cell.capacitance": 1e-12, "bath.Ca": 10000,
                                      "leak.Ca.P": 1, "cell.temperature": -273.14999972684996,
                                      "kcc2.U": 0},
        "mechanisms": {"kcc2": True, "nkcc1": False, "ncx": True}, "t_end": 86400, "points": 1000}, ANY))
    out += [("GET", f"/api/guide?preset={p}", None, ANY) for p in ("kay2017", "dusterwald2018")]
    out += [("GET", f"/api/guide?preset={p}", None, REFUSED) for p in ("nosuch", "x" * 100, "%00", "RPL1")]
    out += [("GET", f"/api/presets/{p}", None, REFUSED) for p in ("nosuch", "x" * 60_000, "..%2f..%2fetc")]
    out += [("GET", p, None, REFUSED) for p in ("/api/nosuch", "/api/simulate", "/static/../pyproject.toml")]
    out += [("DELETE", "/api/health", None, REFUSED), ("PUT", "/api/steady", {}, REFUSED)]
    return out
