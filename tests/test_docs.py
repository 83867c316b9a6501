"""Every Python block of the README and the docs runs, so the docs cannot rot.

Each block is executed on its own; then its ``test_*`` and ``try_it*`` functions are
called (coroutines awaited). A function that asks for ``fake_coordinator`` gets a running
FakeCoordinator, as the pytest plugin's fixture would give it. Blocks that need the real
service only define functions: executing them still checks that they import and compile.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from rx_coordinator.testing import FakeCoordinator

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [
    (page, index, code)
    for page in PAGES
    for index, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S))
]


def test_every_page_with_code_has_its_blocks_collected():
    pages = {page for page, _, _ in BLOCKS}
    assert ROOT / "README.md" in pages
    assert ROOT / "docs" / "cookbook.md" in pages
    assert sum(1 for page, _, _ in BLOCKS if page.name == "cookbook.md") >= 10


async def call(function: Any) -> None:
    if "fake_coordinator" in inspect.signature(function).parameters:
        async with FakeCoordinator() as fake:
            result = function(fake)
            if inspect.isawaitable(result):
                await result
        return
    result = function()
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(
    ("page", "index", "code"),
    BLOCKS,
    ids=[f"{page.relative_to(ROOT)}:{index}" for page, index, _ in BLOCKS],
)
async def test_block_runs(page, index, code):
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}_{index}"}
    exec(compile(code, f"{page}:block{index}", "exec"), namespace)
    for name, value in list(namespace.items()):
        if (name.startswith(("test_", "try_it"))) and inspect.isfunction(value):
            await call(value)
