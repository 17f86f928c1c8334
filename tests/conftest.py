"""Suite-wide settings: browser tests need Debian's chromium; compiled-path tests need CyRK.

Where chromium is missing (a user who is not root, so `make test` could not install it), the
browser tests are skipped and the run ends with one line saying so and why. In CI
(``CI=true``) a missing browser is a failure, not a skip.

Tests marked ``compiled`` need the compiled solver (numba + CyRK's LSODA). They are skipped
where it cannot load: off CI, or on a platform for which CyRK has no wheel (CyRK not installed;
vrest then runs on SciPy's BDF, which the rest of the suite covers). In CI, with CyRK installed,
a compiled path that does not load fails them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
_SKIPPED = pytest.StashKey[int]()


def browser_missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return ""
    who = "root: run `make test` again" if os.geteuid() == 0 else \
        "not root, so `make test` could not install it; as root: apt-get install chromium"
    return f"Debian's chromium is not installed ({who})"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def compiled_missing() -> str:
    """Why the compiled-path tests are skipped here ("" when they run)."""
    from vrest.solve import compiled, lsoda

    if compiled.AVAILABLE:
        return ""
    if in_ci() and importlib.util.find_spec("CyRK") is not None:
        return ""  # installed but not loading: let the tests fail and say why
    return f"the compiled solver cannot load here ({lsoda.unavailable_reason()})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    compiled_reason = compiled_missing()
    if compiled_reason:
        for item in items:
            if item.get_closest_marker("compiled"):
                item.add_marker(pytest.mark.skip(reason=compiled_reason))
    reason = browser_missing()
    if not reason:
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    mark = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
    for item in browser:
        if in_ci():
            item.add_marker(pytest.mark.usefixtures("_fail_without_browser"))
        else:
            item.add_marker(mark)
    config.stash[_SKIPPED] = len(browser)


@pytest.fixture
def _fail_without_browser() -> None:
    pytest.fail(f"CI=true and the browser tests cannot run: {browser_missing()}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    skipped = config.stash.get(_SKIPPED, 0)
    if skipped and not in_ci():
        terminalreporter.write_line(
            f"browser tests skipped ({skipped}): {browser_missing()}", yellow=True)
