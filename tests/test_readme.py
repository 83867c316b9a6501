"""The README's Python blocks run: each is executed, and its ``test_*`` coroutines awaited.

(Blocks that need the real service only define functions; executing them still checks
that they import and compile against the current API.)
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from rx_coordinator.testing import FakeCoordinator

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
async def test_readme_block_runs(code):
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(code, str(README), "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and inspect.iscoroutinefunction(value):
            if "fake_coordinator" in inspect.signature(value).parameters:
                async with FakeCoordinator() as fake:  # what the pytest plugin's fixture gives
                    await value(fake)
            else:
                await value()
