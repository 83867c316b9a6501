"""The UI backend example, in a real browser: participants come and go, the reconnect shows."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator

import pytest
import uvicorn

from examples.ui_backend.app import create_app
from examples.ui_backend.clients import DEMO_CALL, embedded

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's notes advise: no sandbox as root, and no calls home on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium here (.ci/run installs Debian's chromium; this machine could not)",
)


@contextlib.asynccontextmanager
async def serving(speed: float) -> AsyncIterator[str]:
    config = uvicorn.Config(
        create_app(embedded(speed), DEMO_CALL), host="127.0.0.1", port=0, log_level="error"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


@pytest.mark.timeout(120)  # a browser on a busy 2-core machine
async def page_text(page) -> str:
    """What the page shows, for an assertion's message."""
    parts = [await page.inner_text(selector) for selector in ("#state", "#history", "#log")]
    return " | ".join(parts)


async def test_the_page_shows_participants_come_and_go_and_the_reconnect():
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    async with serving(speed=4) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = None
        try:
            page = await browser.new_page()
            await page.goto(url)
            await page.wait_for_selector("#state.connected", timeout=30_000)
            count = "document.querySelectorAll('#participants li').length"
            # The call plays over and over: start from an empty call, whenever the page came.
            await page.wait_for_function(f"{count} === 0", timeout=30_000)
            await page.wait_for_function(f"{count} === 3", timeout=30_000)
            assert sorted(await page.locator("#participants li").all_inner_texts()) == [
                "Alice Liddell",
                "Bob Builder",
                "Carol Danvers",
            ]
            await page.wait_for_function(  # the drop, seen live
                "document.getElementById('history').textContent"
                ".includes('connected → reconnecting → connected')",
                timeout=30_000,
            )
            await page.wait_for_function(f"{count} === 0", timeout=30_000)
            await page.wait_for_function(
                "document.getElementById('log').textContent.includes('call.ended')",
                timeout=30_000,
            )
        except (AssertionError, PlaywrightError) as error:
            shown = await page_text(page) if page is not None else "no page"
            raise AssertionError(f"{error}\nthe page showed: {shown}") from error
        finally:
            await browser.close()
