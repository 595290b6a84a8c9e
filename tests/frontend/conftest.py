"""Fixtures of the frontend tests: one real browser, pages on loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from .browser import OfflineContext, chromium, offline_context


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Lets a fixture's teardown see whether its test failed (screenshots).
    report = yield
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]
    return report


# Per module: Playwright's sync API keeps an event loop on the main thread
# while it runs, where Django's test client cannot call an async view.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def offline(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[OfflineContext]:
    with offline_context(browser, request) as context:
        yield context
