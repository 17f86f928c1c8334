/* vrest explorer: controls -> /api/simulate -> plots and tables. No physics here: every number
   shown comes from the API. State lives in the URL hash so a configuration can be shared. */
"use strict";

const IONS = ["Na", "K", "Cl", "Ca"];
const LABEL = { Na: "Na⁺", K: "K⁺", Cl: "Cl⁻", Ca: "Ca²⁺" };
const COLOR = { V: "#111", Na: "#d62728", K: "#1f77b4", Cl: "#2ca02c", Ca: "#9467bd", GHK: "#ff7f0e", chord: "#8c564b" };
const GROUPS = [
  ["cell", "Cell"], ["inside", "Inside at t = 0"], ["bath", "Bath (outside)"],
  ["leak", "Leak channels (permeabilities)"], ["mechanism", "Pumps, transporters, water"],
];
const DEBOUNCE_MS = 120;
const MECH_WORD = { pump: "Na⁺/K⁺ pump", kcc2: "KCC2 (K⁺–Cl⁻ out)", nkcc1: "NKCC1 (Na⁺–K⁺–2Cl⁻ in)", ncx: "Na⁺/Ca²⁺ exchanger",
  pmca: "Ca²⁺ pump (PMCA)", water: "Water flow (the cell can swell or shrink)" };

const state = { preset: null, t_end: 7200, params: {}, mechs: {}, exp: "control", ev: null, tab: "explore", step: 0, gpreset: null,
  eca: false, zoom: false, hh: false };
const NARROW = () => window.matchMedia("(max-width: 899px)").matches;
let detail = null;          // GET /api/presets/{name}
let experiments = [];       // GET /api/experiments
let pending = null;         // AbortController of the request in flight
let timer = null;
let lastGood = null;        // last successful /api/simulate result
const plots = {};

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid);
  return e;
};

/* ---------------------------------------------------------------- number formatting */
function fmt(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e");
  return Number(x.toPrecision(digits)).toString();
}
const mV = (x) => (x === null || !Number.isFinite(x) ? "—" : (x > 0 ? "+" : "") + x.toFixed(1));
function duration(t) {
  if (t < 1) return fmt(t * 1e3) + " ms";
  if (t < 120) return fmt(t) + " s";
  if (t < 7200) return fmt(t / 60) + " min";
  return fmt(t / 3600) + " h";
}

/* ---------------------------------------------------------------- URL state */
function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  for (const [k, v] of q) {
    if (k === "preset") state.preset = v;
    else if (k === "t") state.t_end = Number(v);
    else if (k === "exp") state.exp = v;
    else if (k === "ev") state.ev = Number(v);
    else if (k === "tab") state.tab = v;
    else if (k === "step") state.step = Number(v) || 0;
    else if (k === "gpreset") state.gpreset = v;
    else if (k === "eca") state.eca = v === "1";
    else if (k === "zoom") state.zoom = v === "1";
    else if (k === "hh") state.hh = v === "1";
    else if (k.startsWith("p.")) state.params[k.slice(2)] = v === "inf" ? "inf" : Number(v);
    else if (k.startsWith("m.")) state.mechs[k.slice(2)] = v === "1";
  }
}
function writeHash() {
  const q = new URLSearchParams();
  q.set("preset", state.preset);
  if (state.t_end !== 7200) q.set("t", state.t_end);
  for (const [k, v] of Object.entries(state.params)) q.set("p." + k, v);
  for (const [k, v] of Object.entries(state.mechs)) q.set("m." + k, v ? "1" : "0");
  if (state.exp && state.exp !== "control") q.set("exp", state.exp);
  for (const k of ["eca", "zoom", "hh"]) if (state[k]) q.set(k, "1");
  if (state.exp && state.ev !== null && Number.isFinite(state.ev)) q.set("ev", state.ev);
  if (state.tab !== "explore") { q.set("tab", state.tab); q.set("step", state.step); q.set("gpreset", state.gpreset); }
  history.replaceState(null, "", "#" + q.toString());
}

/* ---------------------------------------------------------------- API */
async function api(path, body, signal) {
  const opts = body === undefined ? { signal } : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal };
  const r = await fetch(path, opts);
  let data;
  try { data = await r.json(); } catch { data = { error: `the server answered ${r.status} without JSON` }; }
  if (!r.ok) { const e = new Error(data.error || `HTTP ${r.status}`); e.data = data; throw e; }
  return data;
}

function mechOn(name) {
  if (name in state.mechs) return state.mechs[name];
  const m = detail.mechanisms.find((x) => x.name === name);
  return m ? m.present : false;
}

function request() {
  const params = {};
  for (const [k, v] of Object.entries(state.params)) {
    const row = detail.parameters.find((p) => p.name === k);
    if (row && row.mechanism && !mechOn(row.mechanism)) continue;
    params[k] = v;
  }
  const body = { preset: state.preset, params, mechanisms: state.mechs, t_end: state.t_end };
  if (state.exp) body.experiment = { name: state.exp, value: expValue(state.exp) };
  return body;
}
function expValue(name) {
  const e = experiments.find((x) => x.name === name);
  if (!e || e.default === null) return null;
  return state.exp === name && state.ev !== null && Number.isFinite(state.ev) ? state.ev : e.default;
}

function schedule() {
  writeHash();
  clearTimeout(timer);
  timer = setTimeout(recompute, DEBOUNCE_MS);
}

async function recompute() {
  if (pending) pending.abort();
  const ctrl = new AbortController();
  pending = ctrl;
  setStatus("computing…", "busy");
  const started = performance.now();
  try {
    const data = await api("/api/simulate", request(), ctrl.signal);
    if (ctrl.signal.aborted) return;
    clearErrors();
    lastGood = data;
    render(data);
    setStatus(`ready · ${Math.round(performance.now() - started)} ms`, "ok");
  } catch (err) {
    if (err.name === "AbortError") return;
    document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1);
    showErrors(err);
    setStatus("not computed: see the message", "error");
  } finally {
    if (pending === ctrl) pending = null;
  }
}

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.className = kind;
  document.body.dataset.state = kind;
}

/* ---------------------------------------------------------------- validation messages */
function clearErrors() {
  for (const e of document.querySelectorAll(".err")) { e.textContent = ""; e.parentElement.classList.remove("bad"); }
  $("banner").classList.add("hidden");
}
function showErrors(err) {
  clearErrors();
  const fields = (err.data && err.data.errors) || [];
  let placed = 0;
  for (const f of fields) {
    const key = f.field === "experiment.value" && state.exp ? "experiment.value." + state.exp : f.field;
    const box = document.querySelector(`.err[data-for="${CSS.escape(key)}"]`);
    if (box) { box.textContent = f.message; box.parentElement.classList.add("bad"); placed++; }
  }
  const banner = $("banner");
  const keep = lastGood ? " The plots show the last valid result." : "";
  banner.textContent = (placed && placed === fields.length ? "Please fix the value marked in red." : err.message) + keep;
  banner.classList.remove("hidden");
}

/* ---------------------------------------------------------------- controls */
function toSlider(row, v) {
  const s = row.slider;
  if (v === "inf" || !Number.isFinite(v)) return 1000;
  if (s.scale === "log") {
    if (v <= 0) return 0;
    return Math.round(1000 * Math.log(v / s.min) / Math.log(s.max / s.min));
  }
  return Math.round(1000 * (v - s.min) / (s.max - s.min));
}
function fromSlider(row, pos) {
  const s = row.slider;
  const f = pos / 1000;
  const v = s.scale === "log" ? s.min * Math.pow(s.max / s.min, f) : s.min + (s.max - s.min) * f;
  return Number(v.toPrecision(3));
}
function current(row) {
  return row.name in state.params ? state.params[row.name] : row.value;
}
function setParam(name, value) {
  const row = detail.parameters.find((p) => p.name === name);
  if (row && String(value) === String(row.value)) delete state.params[name];
  else state.params[name] = value;
  syncRow(name);
  refreshRatios();
  schedule();
}

function controlRow(row) {
  const id = "f-" + row.name.replace(/\./g, "-");
  const unit = row.unit_label || row.unit;
  const plain = `${row.label}, ${unit}`;
  const label = el("label", { for: id },
    el("span", { class: "plain", text: plain }), el("span", { class: "pname", text: row.name }));
  const help = el("p", { class: "help hidden", id: id + "-help",
    text: `${row.description || row.label}. Allowed: ${row.allowed}. Name for the command line and the link: ${row.name}.` });
  const info = el("button", { type: "button", class: "info", "aria-expanded": "false", "aria-controls": help.id,
    "aria-label": "what is " + row.label + "?", text: "?" });
  info.addEventListener("click", () => {
    const open = help.classList.toggle("hidden") === false;
    info.setAttribute("aria-expanded", String(open));
  });
  const slider = el("input", { type: "range", min: "0", max: "1000", step: "1", id: id + "-s", "aria-label": plain + " (slider)", "data-param": row.name });
  const num = el("input", { type: "text", inputmode: "decimal", id, class: "num", "data-param": row.name });
  slider.addEventListener("input", () => setParam(row.name, fromSlider(row, Number(slider.value))));
  num.addEventListener("change", () => {
    const t = num.value.trim();
    const v = t.toLowerCase() === "inf" ? "inf" : Number(t);
    if (t === "" || (v !== "inf" && !Number.isFinite(v))) {
      showErrors({ message: "", data: { errors: [{ field: row.name, message: `${row.label} (${row.name}): "${t}" is not a number.` }] } });
      return;
    }
    setParam(row.name, v);
  });
  const box = el("div", { class: "row", "data-row": row.name }, el("div", { class: "lab" }, label, info), help, slider, num);
  if (row.group === "leak" && row.name.endsWith(".P") && row.name !== "leak.K.P") {
    const ratio = el("input", { type: "text", inputmode: "decimal", class: "ratio", "data-ratio": row.name, "aria-label": row.label + " as a multiple of the K+ leak permeability" });
    ratio.addEventListener("change", () => {
      const pk = current(detail.parameters.find((p) => p.name === "leak.K.P") || { value: NaN });
      const r = Number(ratio.value);
      if (!Number.isFinite(r) || !Number.isFinite(pk)) return;
      setParam(row.name, Number((r * pk).toPrecision(4)));
    });
    box.append(el("div", { class: "ratiobox" }, el("span", { text: "= K+ leak permeability ×" }), ratio));
  }
  box.append(el("div", { class: "err", "data-for": row.name }));
  return box;
}

function syncRow(name) {
  const row = detail.parameters.find((p) => p.name === name);
  const v = current(row);
  const num = document.querySelector(`input.num[data-param="${CSS.escape(name)}"]`);
  const slider = document.querySelector(`input[type=range][data-param="${CSS.escape(name)}"]`);
  if (num && document.activeElement !== num) num.value = v === "inf" ? "inf" : fmt(Number(v), 4);
  if (slider) slider.value = toSlider(row, v === "inf" ? Infinity : Number(v));
  const box = document.querySelector(`.row[data-row="${CSS.escape(name)}"]`);
  if (box && row.mechanism) box.classList.toggle("off", !mechOn(row.mechanism));
}

function refreshRatios() {
  const pkRow = detail.parameters.find((p) => p.name === "leak.K.P");
  for (const input of document.querySelectorAll("input.ratio")) {
    const row = detail.parameters.find((p) => p.name === input.dataset.ratio);
    const pk = pkRow ? Number(current(pkRow)) : NaN;
    if (document.activeElement !== input) input.value = pk > 0 ? fmt(Number(current(row)) / pk, 3) : "—";
  }
}

function buildControls() {
  const aside = $("controls");
  aside.replaceChildren();
  const desc = el("details", { class: "about" }, el("summary", { text: "About this cell: " + detail.title }), el("p", { text: detail.description }));
  aside.append(el("h2", { text: "Parameters" }), desc);
  const narrow = NARROW();
  for (const [group, title] of GROUPS) {
    const rows = detail.parameters.filter((p) => p.group === group);
    if (!rows.length) continue;
    const box = el("details", { class: "group", "data-group": group }, el("summary", { text: title }));
    if (!narrow) box.open = true;
    if (group === "bath") box.append(bathSwitch());
    if (group === "mechanism") {
      for (const m of detail.mechanisms.filter((x) => x.switchable)) {
        const cb = el("input", { type: "checkbox", id: "m-" + m.name, "data-mech": m.name });
        cb.checked = mechOn(m.name);
        cb.addEventListener("change", () => {
          if (cb.checked === m.present) delete state.mechs[m.name]; else state.mechs[m.name] = cb.checked;
          for (const r of rows.filter((x) => x.mechanism === m.name)) syncRow(r.name);
          schedule();
        });
        box.append(el("div", { class: "mech" }, el("label", { for: cb.id }, cb, " " + (MECH_WORD[m.name] || m.name) + " ", el("small", { text: m.describe }))));
        for (const r of rows.filter((x) => x.mechanism === m.name)) box.append(controlRow(r));
      }
    } else {
      for (const r of rows) if (r.name !== "bath.volume_ratio") box.append(controlRow(r));
    }
    aside.append(box);
  }
  for (const r of detail.parameters) syncRow(r.name);
  refreshRatios();
}

function bathSwitch() {
  const row = detail.parameters.find((p) => p.name === "bath.volume_ratio");
  const cb = el("input", { type: "checkbox", id: "bath-infinite" });
  cb.checked = current(row) === "inf";
  const wrap = el("div", {}, el("div", { class: "mech" }, el("label", { for: "bath-infinite" }, cb, " infinite bath (its concentrations never change)")));
  const ratioRow = controlRow(row);
  ratioRow.classList.toggle("hidden", cb.checked);
  cb.addEventListener("change", () => {
    ratioRow.classList.toggle("hidden", cb.checked);
    setParam("bath.volume_ratio", cb.checked ? "inf" : 4);
  });
  wrap.append(ratioRow);
  return wrap;
}

/* ---------------------------------------------------------------- experiments */
function buildExperiments() {
  const box = $("exp-buttons");
  box.replaceChildren();
  for (const e of experiments) {
    const b = el("button", { type: "button", class: "exp", "data-exp": e.name, "aria-describedby": "exp-explanation", text: e.title });
    b.addEventListener("click", () => {
      state.exp = e.name;
      const input = document.querySelector(`input[data-exp-value="${e.name}"]`);
      state.ev = input ? Number(input.value) : null;
      markExperiment();
      schedule();
    });
    const group = el("span", { class: "expgroup" }, b);
    if (e.default !== null) {
      const unit = UNIT_WORD[e.unit] || e.unit;
      const v = el("input", { type: "text", inputmode: "decimal", class: "expval", "data-exp-value": e.name, "aria-label": `${e.value_label}, ${unit} (${e.lo} to ${e.hi})` });
      v.value = state.exp === e.name && state.ev !== null ? state.ev : e.default;
      v.addEventListener("change", () => { if (state.exp === e.name) { state.ev = Number(v.value); schedule(); } });
      group.append(v, el("small", { text: unit }), el("div", { class: "err", "data-for": "experiment.value." + e.name }));
    }
    box.append(group);
  }
  markExperiment();
}
const UNIT_WORD = { degC: "°C" };
function markExperiment() {
  for (const b of document.querySelectorAll("button.exp")) {
    const on = b.dataset.exp === state.exp;
    b.classList.toggle("active", on);
    b.setAttribute("aria-pressed", String(on));
  }
}

/* ---------------------------------------------------------------- plots */
function sizeOf(id, h) {
  const w = Math.max(240, $(id).clientWidth);
  return { width: w, height: NARROW() ? Math.round(h * 0.8) : h };
}
function linePlot(id, key, opts, data) {
  if (plots[key]) { plots[key].destroy(); delete plots[key]; }
  const target = $(id);
  target.replaceChildren();
  plots[key] = new uPlot({ ...sizeOf(id, opts.height || 300), legend: { show: false }, ...opts }, data, target);
}
/* A legend under a plot that always shows values (the last point of each line), never "--". */
function legend(id, items) {
  $(id).replaceChildren(...items.map((it) => el("li", { "data-series": it.label },
    el("span", { class: "sw" + (it.dash ? " " + it.dash : ""), style: `border-top-color:${it.color}` }),
    el("span", { text: it.label + (it.value === undefined ? "" : " = ") }), el("b", { text: it.value === undefined ? "" : it.value }))));
}
const last = (xs) => { for (let i = xs.length - 1; i >= 0; i--) if (xs[i] !== null && Number.isFinite(xs[i])) return xs[i]; return NaN; };
/* Log axes: a tick and a grid line at each power of ten only. */
function decades(u, axis, min, max) {
  const out = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(Math.pow(10, e));
  return out.length ? out : [min, max];
}
const logAxis = (label, format) => ({ label, splits: decades, values: (u, ticks) => ticks.map((t) => (t === null ? "" : format(t))) });
const logX = (label) => ({ scales: { x: { time: false, distr: 3, log: 10 } }, axes: [logAxis(label, duration), {}] });
/* Sign convention: today's V = inside - outside, or Hodgkin and Huxley's outside - inside. */
const sg = (x) => (x === null || x === undefined || !Number.isFinite(x) ? x : (state.hh ? -x : x));
const flip = (xs) => (state.hh ? xs.map((x) => (x === null ? null : -x)) : xs);
const vName = () => (state.hh ? "V (out − in)" : "V");
/* The y-range follows the lines that matter: V and the E's shown (not E_Ca unless asked for). */
function yRange(lines, padFrac = 0.06) {
  let lo = Infinity, hi = -Infinity;
  for (const xs of lines) for (const x of xs) if (x !== null && Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  if (!Number.isFinite(lo)) return [-100, 50];
  const pad = Math.max(1, (hi - lo) * padFrac);
  return [lo - pad, hi + pad];
}

function potentialLines(s, withGhk) {
  const lines = [{ key: "V", label: vName(), color: COLOR.V, width: 2.5, data: flip(s.V) }];
  for (const ion of IONS) {
    if (ion === "Ca" && !state.eca) continue;
    lines.push({ key: "E_" + ion, label: "E_" + ion, color: COLOR[ion], width: 1.4, dash: "dash", data: flip(s["E_" + ion]) });
  }
  if (withGhk && s.GHK) lines.push({ key: "GHK", label: "GHK (leaks only)", color: COLOR.GHK, width: 1.6, dash: "dot", data: flip(s.GHK) });
  if (withGhk && s.chord) lines.push({ key: "chord", label: "chord (leaks only)", color: COLOR.chord, width: 1.6, dash: "dash", data: flip(s.chord) });
  return lines;
}
const DASH = { dash: [6, 4], dot: [2, 3] };
function drawPotentials(plotId, key, legendId, s, withGhk, height) {
  const lines = potentialLines(s, withGhk);
  const series = [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: l.width, dash: l.dash ? DASH[l.dash] : undefined }))];
  const shown = state.zoom ? [lines[0].data] : lines.map((l) => l.data);
  const range = yRange(shown);
  const base = logX("time");
  base.scales.y = { range: () => range };
  base.axes[1] = { label: state.hh ? "mV (outside − inside)" : "mV" };
  linePlot(plotId, key, { ...base, height, series }, [s.t, ...lines.map((l) => l.data)]);
  legend(legendId, lines.map((l) => ({ label: l.label, color: l.color, dash: l.dash, value: mV(last(l.data)) + " mV" })));
}

function renderV(d) { drawPotentials("plot-v", "v", "legend-v", d.series, true, 340); }
function renderC(d) {
  const s = d.series;
  const series = [{}];
  const data = [s.t];
  for (const ion of IONS) { series.push({ label: LABEL[ion] + " in", stroke: COLOR[ion], width: 2 }); data.push(s[ion + "_i"]); }
  const base = logX("time");
  base.scales.y = { distr: 3, log: 10 };
  base.axes[1] = logAxis("mM", (x) => fmt(x, 2));
  linePlot("plot-c", "c", { ...base, height: 260, series }, data);
  legend("legend-c", IONS.map((ion) => ({ label: LABEL[ion] + " inside", color: COLOR[ion], value: fmt(last(s[ion + "_i"]), 3) + " mM" })));
}
function renderK(curve) {
  const card = $("kcurve-card");
  if (!curve) { card.classList.add("hidden"); return; }
  card.classList.remove("hidden");
  const lines = [{ label: "model steady " + vName(), color: COLOR.V, data: flip(curve.V_steady) },
    { label: "Nernst E_K", color: COLOR.K, dash: "dash", data: flip(curve.nernst) }];
  if (curve.GHK) lines.push({ label: "GHK", color: COLOR.GHK, dash: "dot", data: flip(curve.GHK) });
  const series = [{}, ...lines.map((l, i) => ({ label: l.label, stroke: l.color, width: i ? 1.4 : 2, dash: l.dash ? DASH[l.dash] : undefined, points: { show: i === 0, size: 6 } }))];
  linePlot("plot-k", "k", {
    height: 280, series, scales: { x: { time: false, distr: 3, log: 10 } },
    axes: [logAxis("K⁺ outside (mM)", (x) => fmt(x, 2)), { label: "mV" }],
  }, [curve.K_o, ...lines.map((l) => l.data)]);
  legend("legend-k", lines.map((l) => ({ label: l.label + " at " + fmt(last(curve.K_o)) + " mM", color: l.color, dash: l.dash, value: mV(last(l.data)) + " mV" })));
  $("kcurve-note").textContent = `Slope between the two highest K⁺ outside: ${fmt(curve.slope_top_mV_per_decade)} mV per tenfold (Nernst: ${fmt(curve.nernst_slope_mV)}). Nernst and GHK use the control cell's inside concentrations; the points are the model's steady states.`;
}

/* ---------------------------------------------------------------- tables */
function renderEnd(d) {
  const e = d.end;
  $("end-time").textContent = `t = ${duration(d.series.t[d.series.t.length - 1])}`;
  const rows = [
    [vName(), mV(sg(e.V_mV)) + " mV", "v-end", e.V_mV],
    ["GHK prediction (leaks only)", mV(sg(e.GHK_mV)) + " mV", "ghk-end", e.GHK_mV],
    ["chord prediction (leaks only)", mV(sg(e.chord_mV)) + " mV", "chord-end", e.chord_mV],
    ...IONS.map((i) => ["E_" + i, mV(sg(e.E_mV[i])) + " mV", "e-" + i, e.E_mV[i]]),
    ["ATP used", fmt(e.atp_per_s) + " per s", "atp-end", e.atp_per_s],
    ["net membrane current", fmt(e.current_total_pA) + " pA", "i-end", e.current_total_pA],
    ["cell volume / start", fmt(e.volume_rel, 4) + " ×", "vol-end", e.volume_rel],
  ];
  $("end-numbers").replaceChildren(...rows.map(([k, v, id, raw]) =>
    el("tr", {}, el("th", { text: k }), el("td", { id, "data-value": String(raw), text: v }))));
}
const ARROW = { out: "↑ out", in: "↓ in", none: "— none", outward: "↑ outward", inward: "↓ inward" };
const ION_HEAD = ["ion", "inside, mM", "outside, mM", "E, mV", "V − E, mV", "ions move", "current", "fluxes by mechanism, ions/s (+ out)", "why"];
function renderIons(d) {
  const head = el("tr", { class: "head" }, ...ION_HEAD.map((h) => el("th", { text: h })));
  const rows = d.ions.map((r) => {
    const parts = Object.entries(r.flux_ions_per_s).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(", ");
    const cells = [
      el("td", { text: r.label }), el("td", { text: fmt(r.c_in_mM, 4) }), el("td", { text: fmt(r.c_out_mM, 4) }),
      el("td", { class: "e", text: mV(sg(r.E_mV)) }), el("td", { class: "df", "data-value": String(r.driving_force_mV), text: mV(sg(r.driving_force_mV)) }),
      el("td", { class: "flux", text: ARROW[r.flux] || r.flux }), el("td", { class: "current", text: ARROW[r.current] || r.current }),
      el("td", { class: "small", text: (parts || "—") + ` · net ${fmt(r.net_flux_ions_per_s, 2)}` }),
      el("td", { class: "reason", text: r.reason })];
    cells.forEach((c, i) => c.setAttribute("data-label", ION_HEAD[i]));
    return el("tr", { "data-ion": r.ion }, ...cells);
  });
  $("ion-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}
function renderBudget(d) {
  const b = d.budget;
  const rows = [el("tr", {}, el("th", { text: "charge on the membrane" }),
    el("td", { id: "charge-ions", text: `${fmt(b.membrane_charge_ions)} ions' worth (${fmt(b.membrane_charge_C)} C) = ${fmt(b.charge_fraction_of_K)} of the K⁺ inside` }))];
  for (const ion of IONS) {
    const x = b.ions[ion];
    const dir = x.moved_in >= 0 ? "net in" : "net out";
    rows.push(el("tr", {}, el("th", { text: LABEL[ion] }),
      el("td", { text: `${fmt(Math.abs(x.moved_in))} moved ${dir} since t = 0; ${fmt(x.present)} present (ratio ${fmt(x.fraction)})` })));
  }
  rows.push(el("tr", {}, el("th", { text: "cell" }), el("td", { text: `area ${fmt(b.area_um2)} µm², volume ${fmt(b.volume_um3)} µm³` })));
  $("budget").replaceChildren(...rows);
  $("ap-answer").textContent = `Almost nothing in the gradients. A spike swings V by about 100 mV, roughly once more the resting voltage, `
    + `so the ions that cross are of the order of the charge now sitting on the membrane: ${fmt(b.membrane_charge_ions)} ions' worth, `
    + `${fmt(b.charge_fraction_of_K)} of the K⁺ inside this cell. The inside concentrations and so the E's stay put; what changes for a `
    + `millisecond is which channels are open (the permeabilities: first Na⁺, then K⁺), which moves V towards E_Na and back. `
    + `The pump returns the few ions afterwards, at its own slow pace; only thousands of spikes in a row, or a tiny cell, shift the gradients.`;
}

function render(d) {
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
  renderV(d);
  renderC(d);
  renderEnd(d);
  renderIons(d);
  renderBudget(d);
  const x = d.experiment;
  $("exp-explanation").textContent = x ? x.explanation : "No experiment: the cell from the preset's starting state, left alone. Pick an experiment above.";
  $("sign-note").classList.toggle("hidden", !state.hh);
  renderK(x ? x.curve : null);
}

/* ---------------------------------------------------------------- guided mode */
let guide = null;
async function loadGuide() {
  setStatus("computing the steps…", "busy");
  try {
    guide = await api(`/api/guide?preset=${encodeURIComponent(state.gpreset)}`);
    state.step = Math.min(Math.max(0, state.step), guide.steps.length - 1);
    renderStep();
    setStatus("ready", "ok");
  } catch (err) { setStatus(err.message, "error"); }
}
function renderStep() {
  const st = guide.steps[state.step];
  $("step-label").textContent = `step ${st.key} (${st.step + 1} of ${guide.steps.length})`;
  $("step-title").textContent = `${st.key}. ${st.title}`;
  $("step-what").textContent = st.what;
  $("step-lecture").textContent = st.lecture;
  $("step-model").textContent = `V = ${mV(st.numbers.V_end_mV)} mV; E_K ${mV(st.numbers.E_K_mV)}, E_Na ${mV(st.numbers.E_Na_mV)}, E_Cl ${mV(st.numbers.E_Cl_mV)}, E_Ca ${mV(st.numbers.E_Ca_mV)} mV (today's convention, V = inside − outside)`;
  $("step-model").dataset.value = String(st.numbers.V_end_mV);
  $("step-text").textContent = st.text;
  $("step-mechs").textContent = "Mechanisms: " + (st.mechanisms.join("; ") || "none");
  $("prev-step").disabled = state.step === 0;
  $("next-step").disabled = state.step === guide.steps.length - 1;
  drawPotentials("plot-step", "step", "legend-step", st.series, false, 320);
  writeHash();
}

function showTab(tab) {
  state.tab = tab;
  $("explore").classList.toggle("hidden", tab !== "explore");
  $("guide").classList.toggle("hidden", tab !== "guide");
  for (const b of document.querySelectorAll("button.tab")) b.classList.toggle("active", b.dataset.tab === tab);
  if (tab === "guide") { if (!guide) loadGuide(); else renderStep(); } else if (lastGood) render(lastGood);
  writeHash();
}

/* ---------------------------------------------------------------- start */
async function loadPreset(name) {
  detail = await api(`/api/presets/${encodeURIComponent(name)}`);
  $("preset").value = name;
  buildControls();
}

async function main() {
  readHash();
  const [presets, exps] = await Promise.all([api("/api/presets"), api("/api/experiments")]);
  experiments = exps;
  for (const sel of [$("preset"), $("guide-preset")]) {
    sel.replaceChildren(...presets.map((p) => el("option", { value: p.name, text: `${p.name}: ${p.title}` })));
  }
  const fallback = (presets.find((p) => p.default) || presets[0]).name;  // the server's default preset
  if (!presets.some((p) => p.name === state.preset)) state.preset = fallback;
  if (!presets.some((p) => p.name === state.gpreset)) state.gpreset = fallback;
  if (state.exp && !experiments.some((e) => e.name === state.exp)) state.exp = null;
  $("guide-preset").value = state.gpreset;
  $("t_end").value = String(state.t_end);
  if (!$("t_end").value) { state.t_end = 7200; $("t_end").value = "7200"; }
  await loadPreset(state.preset);
  buildExperiments();
  $("preset").addEventListener("change", async () => {
    state.preset = $("preset").value; state.params = {}; state.mechs = {};
    await loadPreset(state.preset); schedule();
  });
  $("t_end").addEventListener("change", () => { state.t_end = Number($("t_end").value); schedule(); });
  $("reset").addEventListener("click", () => { state.params = {}; state.mechs = {}; state.exp = "control"; buildControls(); markExperiment(); schedule(); });
  for (const [id, key] of [["show-eca", "eca"], ["zoom-v", "zoom"], ["sign-hh", "hh"]]) {
    $(id).checked = state[key];
    $(id).addEventListener("change", () => {
      state[key] = $(id).checked;
      writeHash();
      if (state.tab === "guide" && guide) renderStep(); else if (lastGood) render(lastGood);
    });
  }
  for (const a of document.querySelectorAll("nav.jump a")) a.addEventListener("click", () => { if (state.tab !== "explore") showTab("explore"); setTimeout(() => $(a.getAttribute("href").slice(1)).focus({ preventScroll: true }), 0); });
  $("share").addEventListener("click", async () => {
    writeHash();
    try { await navigator.clipboard.writeText(location.href); setStatus("link copied", "ok"); } catch { setStatus("copy the address bar to share", "ok"); }
  });
  for (const b of document.querySelectorAll("button.tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("prev-step").addEventListener("click", () => { state.step--; renderStep(); });
  $("next-step").addEventListener("click", () => { state.step++; renderStep(); });
  $("guide-preset").addEventListener("change", () => { state.gpreset = $("guide-preset").value; guide = null; loadGuide(); });
  window.addEventListener("resize", () => { clearTimeout(window._rs); window._rs = setTimeout(() => { if (state.tab === "guide" && guide) renderStep(); else if (lastGood) render(lastGood); }, 200); });
  showTab(state.tab);
  await recompute();
}

main().catch((err) => setStatus("could not start: " + err.message, "error"));
