"""Helpers for the page walks: a browser context at a given width that collects console errors and
page errors, a check that nothing is wider than the screen, and screenshots in the test's tmp dir."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

# Everything that is not allowed to be wider than its box, and the boxes that scroll sideways on
# purpose (a raw JSON block, the section tabs, a table inside .table-responsive on a wide screen).
FITS = r"""
() => {
  const width = window.innerWidth;
  const found = [];
  const doc = document.documentElement.scrollWidth;
  if (doc > width) { found.push(`page ${doc}px > ${width}px`); }
  const intended = ".table-responsive, .nav-scroll, .json-box, pre, .scroll-box, .contract-text table";
  for (const el of document.querySelectorAll("table, .card, .kpi, .chart-box, form, .alert, .navbar, dl, .list-meta, td, th")) {
    if (el.offsetParent === null) { continue; }  // not shown
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) { continue; }
    const scroller = el.parentElement && el.parentElement.closest(intended);
    if (!scroller && rect.right > width + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(rect.right)}px`);
    }
    // (forms hold Bootstrap rows, whose negative margins reach into the padding around them)
    if (!scroller && !el.matches(intended) && el.tagName !== "FORM" && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className} scrolls ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return found.slice(0, 10);
}
"""


@dataclass
class Walker:
    """One user in one browser context at one width."""

    page: Page
    name: str
    shots: Path
    errors: list[str] = field(default_factory=list)
    count: int = 0

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (path, response.status if response else None)
        self.page.wait_for_load_state("networkidle")
        self.check(path)

    def check(self, label: str) -> None:
        """No console error so far, nothing wider than the screen, and a screenshot."""
        self.page.wait_for_timeout(150)  # charts draw after DOMContentLoaded
        assert self.errors == [], (label, self.errors)
        problems = self.page.evaluate(FITS)
        self.count += 1
        slug = "".join(c if c.isalnum() else "-" for c in label)[:60]
        self.page.screenshot(path=str(self.shots / f"{self.name}-{self.count:02d}-{slug}-view.png"))  # what the user sees
        self.page.screenshot(path=str(self.shots / f"{self.name}-{self.count:02d}-{slug}.png"), full_page=True)
        assert problems == [], (label, problems)

    def answered(self, status: int) -> None:
        """The page just answered ``status`` on purpose (a refused form is a 422): Chromium logs that
        as a failed resource, which is not an error of the page."""
        self.errors[:] = [e for e in self.errors if f"status of {status}" not in e]

    IN_VIEW = """(selector) => {
        const el = document.querySelector(selector);
        if (!el) { return false; }
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
    }"""

    def in_view(self, selector: str) -> bool:
        return self.page.evaluate(self.IN_VIEW, selector)

    def wait_in_view(self, selector: str, timeout: float = 3000) -> None:
        """Until the element's top is inside the viewport (fails after ``timeout`` ms)."""
        self.page.wait_for_function(self.IN_VIEW, arg=selector, timeout=timeout)


def open_walker(browser, live_server: str, viewport: str, name: str, shots: Path, username: str) -> Walker:
    size = VIEWPORTS[viewport]
    context = browser.new_context(base_url=live_server, viewport=size, locale="zh-CN",
                                  is_mobile=viewport == "phone", has_touch=viewport == "phone", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    walker = Walker(page, f"{viewport}-{name}", shots)
    page.on("console", lambda message: walker.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: walker.errors.append(str(error)))
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return walker
