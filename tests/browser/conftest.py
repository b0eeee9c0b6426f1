"""A real server for the browser tests: the app on uvicorn in a background thread, on a free localhost port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from silkport.bootstrap import Platform
from silkport.entrypoints.web.app import create_app
from tests.conftest import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    platform: Platform


@pytest.fixture
def live_server(platform: Platform) -> Iterator[LiveServer]:
    """The whole app (API, pages, static files) served by uvicorn against the test database."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the OS picks a free port; uvicorn serves this very socket, so no race
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", platform=platform)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def screenshot_dirs(tmp_path: Path) -> list[Path]:
    """Where screenshots go: the test's tmp_path, and var/screenshots/ for humans when it is writable."""
    dirs = [tmp_path]
    human = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    try:
        human.mkdir(parents=True, exist_ok=True)
        probe = human / ".write-test"
        probe.write_text("")
        probe.unlink()
        dirs.append(human)
    except OSError:
        pass
    return dirs


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    """A Chromium tab at desktop size, English, 10 s for anything to appear."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def shot(page: Page, dirs: list[Path], name: str) -> None:
    """A full-page screenshot ``name``.png in each of ``dirs`` (see screenshot_dirs)."""
    page.evaluate("window.scrollTo(0, 0)")  # the top bar is sticky: a scrolled full-page shot shows it mid-page
    for directory in dirs:
        page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the login form (any previous session cleared)."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user")).to_be_visible()
