"""End-to-end tests of the explorer page: Playwright drives Debian's headless chromium against a
uvicorn server on a free loopback port. Every request to another origin is blocked (and
recorded, to prove the page needs no network). Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "test-artifacts"
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from vrest.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(400):
        if srv.started:
            break
        time.sleep(0.025)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page on the explorer, with the requests it tried to send elsewhere and its errors."""

    def __init__(self, browser, base: str, hash_: str = "") -> None:
        self.base = base
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/{hash_}")
        self.page.wait_for_selector("body[data-renders='1'][data-state=ok]", timeout=TIMEOUT_MS)

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def renders(self) -> int:
        return int(self.page.evaluate("Number(document.body.dataset.renders || 0)"))

    def wait_render(self, before: int) -> None:
        self.page.wait_for_function(
            "(n) => Number(document.body.dataset.renders || 0) > n && document.body.dataset.state === 'ok'",
            arg=before, timeout=TIMEOUT_MS)

    def api_result(self) -> dict:
        """The API's answer to the request the page is showing."""
        body = json.loads(self.page.evaluate("JSON.stringify(request())"))
        return httpx.post(self.base + "/api/simulate", json=body, timeout=60).json()

    def shown(self, element_id: str) -> tuple[str, float]:
        loc = self.page.locator(f"#{element_id}")
        return loc.inner_text(), float(loc.get_attribute("data-value"))

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)

    def close(self) -> None:
        assert not self.blocked, f"the page tried to reach the network: {self.blocked}"
        assert not self.errors, f"console errors: {self.errors}"
        self.page.close()


def _check_numbers(pg: Page) -> dict:
    """The V, E's and ATP shown equal the API's for the same request."""
    data = pg.api_result()
    text, value = pg.shown("v-end")
    assert value == pytest.approx(data["end"]["V_mV"], abs=1e-9)
    assert text == f"{data['end']['V_mV']:+.1f} mV"
    for ion in ("Na", "K", "Cl", "Ca"):
        assert pg.shown(f"e-{ion}")[1] == pytest.approx(data["end"]["E_mV"][ion], abs=1e-9)
    assert pg.shown("atp-end")[1] == pytest.approx(data["end"]["atp_per_s"], rel=1e-12)
    body = pg.page.inner_text("body")
    assert "NaN" not in body and "undefined" not in body
    assert pg.page.locator("#plot-v canvas").count() == 1
    return data


def test_page_loads_and_shows_the_api_numbers(server, browser):
    pg = Page(browser, server)
    data = _check_numbers(pg)
    rows = pg.page.locator("#ion-table tr[data-ion]")
    assert rows.count() == 4
    na = pg.page.locator("#ion-table tr[data-ion=Na] td.df")
    assert float(na.get_attribute("data-value")) == pytest.approx(data["ions"][0]["driving_force_mV"])
    assert "enters" in pg.page.locator("#ion-table tr[data-ion=Na] td.reason").inner_text()
    pg.shot("load")
    pg.close()


def test_slider_recomputes_and_goes_into_the_url(server, browser):
    pg = Page(browser, server)
    v0 = pg.shown("v-end")[1]
    before = pg.renders()
    slider = pg.page.locator("#f-bath-K-s")
    slider.focus()
    for _ in range(40):
        pg.page.keyboard.press("ArrowRight")
    pg.wait_render(before)
    pg.page.wait_for_timeout(400)  # let the debounced last value land
    pg.page.wait_for_function("() => document.body.dataset.state === 'ok'", timeout=TIMEOUT_MS)
    assert "p.bath.K=" in pg.page.url
    data = _check_numbers(pg)
    assert data["end"]["outside_mM"]["K"] > 3.5 and pg.shown("v-end")[1] > v0  # depolarised
    pg.shot("slider")
    shared = pg.page.url.split("#", 1)[1]
    pg.close()
    # the shared link restores the configuration
    again = Page(browser, server, "#" + shared)
    assert again.shown("v-end")[1] == pytest.approx(data["end"]["V_mV"], abs=1e-9)
    again.close()


@pytest.mark.parametrize("name", ["raise_k", "block_pump", "block_kcc2", "remove_cl",
                                  "temperature", "no_gradients"])
def test_each_experiment(server, browser, name):
    pg = Page(browser, server)
    before = pg.renders()
    pg.page.click(f"button.exp[data-exp={name}]")
    pg.wait_render(before)
    assert f"exp={name}" in pg.page.url
    data = _check_numbers(pg)
    shown = pg.page.inner_text("#exp-explanation")
    assert shown == data["experiment"]["explanation"]
    assert pg.page.locator("#kcurve-card").is_visible() == (name == "raise_k")
    if name == "raise_k":
        assert pg.page.locator("#plot-k canvas").count() == 1
        assert "mV per tenfold" in pg.page.inner_text("#kcurve-note")
    pg.shot(f"experiment-{name}")
    pg.close()


def test_bad_value_gets_an_inline_message_and_keeps_the_plot(server, browser):
    pg = Page(browser, server)
    v_good = pg.shown("v-end")[1]
    field = pg.page.locator("#f-bath-K")
    field.fill("-5")
    field.press("Enter")
    pg.page.wait_for_function("() => document.body.dataset.state === 'error'", timeout=TIMEOUT_MS)
    msg = pg.page.locator('.err[data-for="bath.K"]').inner_text()
    assert "bath.K" in msg and "-5 mM is not possible" in msg and "at least 0" in msg
    assert pg.page.locator("#banner").is_visible()
    assert pg.page.locator("#plot-v canvas").count() == 1  # the last valid plot stays
    assert pg.shown("v-end")[1] == v_good
    assert "NaN" not in pg.page.inner_text("body")
    pg.shot("bad-value")
    pg.errors = [e for e in pg.errors if "422" not in e]  # the browser logs the 422 response
    pg.close()


def test_guided_mode_steps(server, browser):
    pg = Page(browser, server)
    pg.page.click("#tab-guide")
    pg.page.wait_for_selector("#plot-step canvas", timeout=TIMEOUT_MS)
    guide = httpx.get(server + "/api/guide", params={"preset": "lecture"}, timeout=60).json()
    for k in range(len(guide["steps"])):
        step = guide["steps"][k]
        assert pg.page.inner_text("#step-title") == f"{step['key']}. {step['title']}"
        assert float(pg.page.get_attribute("#step-model", "data-value")) == pytest.approx(
            step["numbers"]["V_end_mV"], abs=1e-9)
        assert pg.page.inner_text("#step-text") == step["text"]
        if k in (1, 7):
            pg.shot(f"guide-step{k}")
        if k < len(guide["steps"]) - 1:
            pg.page.click("#next-step")
    last = len(guide["steps"]) - 1
    assert "tab=guide" in pg.page.url and f"step={last}" in pg.page.url
    pg.close()
