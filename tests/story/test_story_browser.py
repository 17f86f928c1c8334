"""The HTML story opens in headless Chromium (Debian's) with every network request refused:
no console errors, every figure decoded, axes named with units in the figure texts."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from vrest.story import report as story_report
from vrest.story import steps as story
from vrest.story import text as story_text

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    result = story.run_story()
    data = story_text.narrate(result.to_dict())
    path = tmp_path_factory.mktemp("story") / "story.html"
    path.write_text(story_report.html_report(result, data), encoding="utf-8")
    return path, data


@pytest.mark.browser
def test_story_html_opens_offline_without_errors(page_file):
    path, data = page_file
    errors: list[str] = []
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", route)
            page.goto(path.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
            captions = page.locator("figcaption").all_inner_texts()
            sections = page.evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)")
            text = page.locator("body").inner_text()
        finally:
            browser.close()
    assert errors == [] and refused == []
    asked = [q for q in data["questions"] if q.get("numbers")]
    assert len(images) == 12 + len(asked) and all(done and width > 300 for done, width, _ in images)
    for _, _, alt in images[:12]:  # the overview and the steps
        assert "(mV)" in alt and "time (" in alt
    for (_, _, alt), q in zip(images[12:], asked, strict=True):  # one per computed answer
        assert alt.startswith(f"The numbers computed for: {q['question']}") and "computed number" in alt
    for words in ("Hodgkin and Huxley", "What does an action potential change?"):
        assert words in text
    for jargon in ("anion_source", "Mechanisms added"):
        assert jargon not in text
    assert any("time (ms)" in c for c in captions) and any("inside (mM)" in c for c in captions)
    assert {"overview", "step-0", "step-3", "step-7", "step-real", "questions"} <= set(sections)
    first = data["steps"][4]["sentences"][0]["text"]  # step 3, made from the JSON numbers
    assert first in text and data["questions"][0]["answer"][0]["text"] in text
