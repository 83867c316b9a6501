"""Check that every page of the built docs fits its column in a 1280 px wide window.

Usage: ``python scripts/check_docs_layout.py SITE_DIR [--screenshots DIR]`` after
``mkdocs build --site-dir SITE_DIR``. Each page is opened in headless Chromium (Debian's
``chromium``, driven by Playwright); a code block or a table that is wider than its box,
or anything that reaches past the article's right edge, is reported, and the exit code
is 1. Without Chromium it says so and exits 0 (``.ci/run`` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

WIDTH, HEIGHT = 1280, 900
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# Elements of the article wider than their own box (content hidden or scrolled), or
# reaching past the article's right edge.
OVERFLOWS = """
() => {
  const article = document.querySelector("article.md-content__inner");
  const edge = article.getBoundingClientRect().right + 1;
  const found = [];
  // Material's table wrappers reach a little past the text on purpose (negative margins):
  // they only must not scroll.
  const wrappers = new Set(article.querySelectorAll(".md-typeset__scrollwrap"));
  const boxes = "pre, pre > code, table, .md-typeset__scrollwrap";
  for (const element of article.querySelectorAll(boxes)) {
    const box = element.getBoundingClientRect();
    const past = !wrappers.has(element) && box.right > edge;
    if (element.scrollWidth > element.clientWidth + 1 || past) {
      const text = element.textContent.trim().split("\\n")[0].slice(0, 70);
      found.push(`${element.tagName.toLowerCase()}: ${text}`);
    }
  }
  return found;
}
"""


async def check(site: Path, pages: list[Path], screenshots: Path | None) -> list[str]:
    """The problems found on ``pages`` of ``site``."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium is not None
    problems = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            tab = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            for page in pages:
                await tab.goto(page.as_uri())
                name = str(page.parent.relative_to(site)) if page.parent != site else "home"
                problems += [f"{name}: {found}" for found in await tab.evaluate(OVERFLOWS)]
                if screenshots is not None:
                    shot = screenshots / f"{name.replace('/', '_')}.png"
                    await tab.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()
    if not pages:
        problems.append(f"no page found under {site}")
    return problems


def main() -> int:
    """Check the site given on the command line; print what does not fit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--screenshots", type=Path, help="save a full-page PNG of each page")
    args = parser.parse_args()
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("check_docs_layout: no Chromium here; the layout was not checked")
        return 0
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    pages = sorted(p for p in args.site.rglob("index.html") if "search" not in p.parts)
    problems = asyncio.run(check(args.site, pages, args.screenshots))
    for problem in problems:
        print(f"does not fit at {WIDTH} px: {problem}")
    if not problems:
        print(f"check_docs_layout: every page fits at {WIDTH} px")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
