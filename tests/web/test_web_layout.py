"""The explorer on a phone (390x844) and a laptop (1400x900): no horizontal scrolling, every
control labelled in plain words with a unit, every experiment one tap from the top and runnable,
the keyboard reaches the experiments. Screenshots go to test-artifacts/ (kept by CI); the README
and docs/tutorials/explorer.md show copies of the phone and laptop ones (docs/img/)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from test_web_browser import TIMEOUT_MS, browser, server  # noqa: F401

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = {"phone": (390, 844), "laptop": (1400, 900)}


class Screen:
    """A page at one viewport, refusing every request to another origin."""

    def __init__(self, chromium, base: str, size: tuple[int, int], hash_: str = "") -> None:
        self.base = base
        self.page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(f"{base}/{hash_}")
        self.page.wait_for_selector("body[data-state=ok]", timeout=TIMEOUT_MS)

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def overflow(self) -> int:
        """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
        return int(self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"))

    def renders(self) -> int:
        return int(self.page.evaluate("Number(document.body.dataset.renders || 0)"))

    def shot(self, name: str, full: bool = False) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"), full_page=full)

    def close(self) -> None:
        assert self.blocked == [] and self.errors == []
        self.page.close()


@pytest.mark.parametrize("screen", [*SCREENS, "small-phone", "1024"])
def test_no_horizontal_overflow_on_any_view(server, browser, screen):  # noqa: F811
    sc = Screen(browser, server, {**SCREENS, "small-phone": (360, 740), "1024": (1024, 768)}[screen])
    assert sc.overflow() == 0
    sc.shot(screen)
    sc.shot(f"{screen}-full", full=True)
    for summary in sc.page.locator("details > summary").all():  # every group opened
        if summary.is_visible():
            summary.click()
    assert sc.overflow() == 0
    sc.page.click("#tab-guide")
    sc.page.wait_for_selector("#plot-step canvas", timeout=TIMEOUT_MS)
    assert sc.overflow() == 0
    sc.shot(f"{screen}-guide")
    sc.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_control_has_a_plain_label_with_its_unit(server, browser, screen):  # noqa: F811
    sc = Screen(browser, server, SCREENS[screen])
    detail = httpx.get(server + "/api/presets/lecture", timeout=60).json()
    for group in sc.page.locator("details.group").all():
        group.evaluate("d => d.open = true")
    for row in detail["parameters"]:
        if row["name"] == "bath.volume_ratio":
            continue  # shown only for a finite bath; labelled the same way
        box = sc.page.locator(f'.row[data-row="{row["name"]}"]')
        plain = box.locator(".plain").inner_text()
        assert plain == f"{row['label']}, {row['unit_label']}"
        assert row["unit_label"] and "." not in row["label"]  # words, not the dotted name
        assert box.locator(".pname").inner_text() == row["name"]  # the dotted name second
        num = box.locator("input.num")
        assert sc.page.locator(f'label[for="{num.get_attribute("id")}"]').count() == 1
        assert row["unit_label"] in box.locator("input[type=range]").get_attribute("aria-label")
    # every explanation is visible by a tap, not only on hover
    info = sc.page.locator('.row[data-row="leak.Na.P"] button.info')
    help_ = sc.page.locator('.row[data-row="leak.Na.P"] .help')
    assert not help_.is_visible()
    info.click()
    assert help_.is_visible() and "leak.Na.P" in help_.inner_text()
    assert info.get_attribute("aria-expanded") == "true"
    na = sc.page.locator('.row[data-row="leak.Na.P"] .plain').inner_text()
    assert na == "Na+ leak permeability, cm/s"
    for value in sc.page.locator("input.expval").all():
        label = value.get_attribute("aria-label")
        assert any(u in label for u in ("mM", "°C", "uA/cm^2")), label
    assert sc.page.locator("[title]").count() == 0  # no hover-only tooltips
    sc.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_each_experiment_is_one_tap_from_the_top_and_runs(server, browser, screen):  # noqa: F811
    sc = Screen(browser, server, SCREENS[screen])
    listed = httpx.get(server + "/api/experiments", timeout=60).json()
    sc.page.click("#jump-exp")
    card = sc.page.locator("#experiments")
    top = card.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < SCREENS[screen][1] / 2  # the experiments are on screen after one tap
    assert [b.get_attribute("data-exp") for b in sc.page.locator("button.exp").all()] == \
        [e["name"] for e in listed]
    for e in listed:
        before = sc.renders()
        sc.page.click(f'button.exp[data-exp="{e["name"]}"]')
        sc.page.wait_for_function(
            "(n) => Number(document.body.dataset.renders || 0) > n && "
            "document.body.dataset.state === 'ok'", arg=before, timeout=TIMEOUT_MS)
        body = {"preset": "lecture", "params": {}, "mechanisms": {}, "t_end": 7200,
                "experiment": {"name": e["name"], "value": e["default"]}}
        data = httpx.post(server + "/api/simulate", json=body, timeout=120).json()
        assert sc.page.inner_text("#exp-explanation") == data["experiment"]["explanation"]
        assert sc.page.get_attribute(f'button.exp[data-exp="{e["name"]}"]', "aria-pressed") == "true"
        assert sc.overflow() == 0
        sc.page.evaluate("window.scrollTo(0, 0)")
        sc.shot(f"{screen}-{e['name']}")
    sc.close()


def test_keyboard_reaches_the_experiments(server, browser):  # noqa: F811
    sc = Screen(browser, server, SCREENS["phone"])
    sc.page.keyboard.press("Tab")
    assert sc.page.evaluate("document.activeElement.className") == "skip"
    for _ in range(20):
        sc.page.keyboard.press("Tab")
        if sc.page.evaluate("document.activeElement.classList.contains('exp')"):
            break
    assert sc.page.evaluate("document.activeElement.dataset.exp") == "control"
    before = sc.renders()
    for _ in range(5):  # past the K+ button and its value to the pump button
        sc.page.keyboard.press("Tab")
        if sc.page.evaluate("document.activeElement.dataset.exp") == "block_pump":
            break
    assert sc.page.evaluate("document.activeElement.dataset.exp") == "block_pump"
    sc.page.keyboard.press("Enter")
    sc.page.wait_for_function("(n) => Number(document.body.dataset.renders || 0) > n", arg=before,
                              timeout=TIMEOUT_MS)
    assert "exp=" in sc.page.url
    sc.close()


def test_legends_show_values_and_the_v_axis_follows_v(server, browser):  # noqa: F811
    sc = Screen(browser, server, SCREENS["laptop"])
    legend = sc.page.locator("#legend-v").inner_text()
    values = sc.page.locator("#legend-v li b").all_inner_texts()
    assert len(values) == 6 and all(re.fullmatch(r"[+-]?\d+\.\d mV", v) for v in values), values
    assert "E_Ca" not in legend  # no "--" placeholders: every line with its value at the end
    v = float(sc.page.get_attribute("#v-end", "data-value"))
    assert f"{v:+.1f} mV" in legend
    ymax = sc.page.evaluate("plots.v.scales.y.max")
    assert ymax < 100  # E_Ca (about +107 mV) does not set the range unless asked for
    before = sc.renders()
    sc.page.check("#show-eca")
    sc.page.wait_for_function("(n) => Number(document.body.dataset.renders || 0) > n", arg=before)
    assert "E_Ca" in sc.page.locator("#legend-v").inner_text()
    assert sc.page.evaluate("plots.v.scales.y.max") > 100
    sc.page.check("#zoom-v")
    sc.page.wait_for_function("() => plots.v.scales.y.max - plots.v.scales.y.min < 10")
    sc.page.check("#sign-hh")  # Hodgkin and Huxley's direction: outside minus inside
    sc.page.wait_for_selector("#sign-note:not(.hidden)")
    assert sc.page.inner_text("#v-end") == f"{-v:+.1f} mV"
    assert "Hodgkin and Huxley (1952)" in sc.page.inner_text("#sign-note")
    assert "hh=1" in sc.page.url
    sc.close()


CONTRAST = """() => {
  const lum = (c) => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((x) => x / 255)
    .map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
    if (c && !c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
  const low = [];
  for (const e of document.querySelectorAll("body *")) {
    if (!e.offsetParent || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (e.closest("button:disabled")) continue;
    const a = lum(getComputedStyle(e).color), b = lum(bg(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${e.tagName}.${e.className}: ${ratio.toFixed(2)} "${e.textContent.trim().slice(0, 30)}"`);
  }
  return low;
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_text_contrast_meets_wcag_aa(server, browser, screen):  # noqa: F811
    sc = Screen(browser, server, SCREENS[screen])
    for group in sc.page.locator("details").all():
        group.evaluate("d => d.open = true")
    assert sc.page.evaluate(CONTRAST) == []
    sc.close()
