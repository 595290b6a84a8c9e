"""Headless Chromium for the frontend tests, driven by Playwright, offline.

Playwright's Python wheel carries its own driver, so nothing is downloaded; it
drives the machine's Chromium (Debian's `chromium`, installed by .ci/run), never
a browser of its own. Its locators wait for what a person would see, so the
tests need no sleeps. Every request to a host other than loopback is aborted
and recorded: a page that needs the internet fails, and the tests also assert
that it never asked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Screenshots of failed browser tests (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".browser-screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# As the machine's notes say Chromium runs here: no sandbox as root, and none
# of its own calls home (they would be refused, and are not ours to test).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system Chromium, headless; closed afterwards.

    Playwright starts it with a fresh temporary profile (--user-data-dir) and
    removes it on close.
    """
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflineContext:
    """A browser context (its own cookie jar) that reaches loopback only."""

    context: BrowserContext
    blocked: list[str] = field(default_factory=list)

    def _route(self, route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and (
            host not in LOOPBACK
        ):
            self.blocked.append(url)
            route.abort("internetdisconnected")
            return
        route.continue_()

    def new_page(self) -> Page:
        return self.context.new_page()


@contextmanager
def offline_context(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[OfflineContext]:
    """A fresh context; its pages are screenshot if the test fails."""
    offline = OfflineContext(browser.new_context())
    offline.context.route("**/*", offline._route)
    try:
        yield offline
    finally:
        report = getattr(request.node, "call_report", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            for number, page in enumerate(offline.context.pages):
                page.screenshot(
                    path=SCREENSHOTS / f"{request.node.name}-{number}.png",
                    full_page=True,
                )
        offline.context.close()
