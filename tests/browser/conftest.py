"""A live server and Debian's Chromium driven by Playwright. Skipped, with the reason, when
Chromium is not installed (`make test` installs it when it runs as root with apt)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("SMECREDIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    skip = pytest.mark.skip(reason=f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium (make test does this as root)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _prefer_reduced_motion(chromium) -> None:
    """Every page asks for reduced motion, so Bootstrap skips its collapse and fade transitions (it
    honours prefers-reduced-motion): on a loaded machine a click on a menu still unfolding was lost
    now and then."""
    for name in ("new_context", "new_page"):
        original = getattr(chromium, name)

        def opened(*args, _original=original, **kwargs):
            kwargs.setdefault("reduced_motion", "reduce")
            return _original(*args, **kwargs)

        setattr(chromium, name, opened)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # CI runs these beside the whole suite on two cores: a page can take longer than expect's 5 s default
    # to arrive, which is load, not a fault. Waits still end (and fail) when the text never comes.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        _prefer_reduced_motion(chromium)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture()
def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
