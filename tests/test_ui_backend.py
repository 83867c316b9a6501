"""The UI backend example, in a real browser: participants come and go, the reconnect
shows, the coordinator goes away and comes back, and the call plays cycle after cycle."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from examples.ui_backend.app import create_app
from examples.ui_backend.clients import DEMO_CALL, Embedded

from .test_ui_backend_app import serving

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
SPEED = 8  # a cycle of the call in about 2.5 s
WAIT = 30_000  # ms: a browser on a busy 2-core machine
COUNT = "document.querySelectorAll('#participants li').length"
NAMES = "[...document.querySelectorAll('#participants li')].map((li) => li.textContent).join()"
ENDED = (
    "[...document.querySelectorAll('#log div')]"
    ".filter((line) => line.textContent.includes('call.ended')).length"
)
HISTORY = "document.getElementById('history').textContent"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium here (.ci/run installs Debian's chromium; this machine could not)",
)


async def page_text(page) -> str:
    """What the page shows, for an assertion's message."""
    selectors = ("#state", "#history", "#problem", "#participants", "#log")
    parts = [await page.inner_text(selector) for selector in selectors]
    return " | ".join(parts)


@pytest.mark.timeout(120)  # a browser on a busy 2-core machine
async def test_the_page_shows_the_call_the_coordinator_lost_and_back_cycle_after_cycle():
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    embedded = Embedded(speed=SPEED)
    async with serving(create_app(embedded, DEMO_CALL)) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = None
        try:
            page = await browser.new_page()
            await page.goto(url)
            await page.wait_for_selector("#state.connected", timeout=WAIT)
            # The call plays over and over: wait for everyone, whenever the page came.
            await page.wait_for_function(
                f"{NAMES} === 'Alice Liddell,Bob Builder,Carol Danvers'", timeout=WAIT
            )
            # The call's members, from the client's call state.
            members = "document.getElementById('members').textContent"
            await page.wait_for_function(
                f"{members} === 'Alice Liddell, Bob Builder, Carol Danvers'", timeout=WAIT
            )
            await page.wait_for_function(  # the scenario's drop, seen live
                f"{HISTORY}.includes('connected → reconnecting → connected')", timeout=WAIT
            )
            # After the reconnect, the re-watch answer replaced the call's state.
            await page.wait_for_function(
                "document.getElementById('source').textContent === 'resync' "
                "|| Number(document.getElementById('resyncs').textContent) > 0",
                timeout=WAIT,
            )
            await page.wait_for_function(f"{ENDED} >= 1 && {COUNT} === 0", timeout=WAIT)

            # The coordinator goes away: the page says so, and the client keeps trying.
            await embedded.coordinator.stop()
            await page.wait_for_selector("#state.reconnecting", timeout=WAIT)
            await page.wait_for_selector("#participants.stale", state="attached", timeout=WAIT)
            await asyncio.sleep(3 * 5.0 / SPEED)  # several failed attempts at the longest delay
            assert await page.inner_text("#state") == "reconnecting"
            assert "connection: reconnecting" in await page.inner_text("#log")

            # It comes back on the same port: the page recovers on its own.
            ended = await page.evaluate(ENDED)
            await embedded.coordinator.start()
            await page.wait_for_selector("#state.connected", timeout=WAIT)
            await page.wait_for_selector("#participants:not(.stale)", state="attached")
            # Cycle after cycle, each with its network drop: never given up.
            await page.wait_for_function(f"{ENDED} >= {ended} + 3", timeout=WAIT)
            assert await page.inner_text("#problem") == ""
            assert "failed" not in await page.inner_text("#history")
        except (AssertionError, PlaywrightError) as error:
            shown = await page_text(page) if page is not None else "no page"
            raise AssertionError(f"{error}\nthe page showed: {shown}") from error
        finally:
            await browser.close()
