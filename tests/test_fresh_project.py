"""The docs' tests, pasted into a fresh project that has only pytest and pytest-asyncio.

The project is a new virtual environment with this checkout installed by path (as a user
installs a clone or a wheel) and nothing else but ``pytest`` and ``pytest-asyncio``. Every
Python block of the README and the docs that defines a test becomes a test file there, and
runs with the one line of configuration the README says to add (which only silences a
warning of pytest-asyncio's): every test passes, and pytest warns of nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
UV = os.environ.get("UV") or shutil.which("uv")
# What the README tells users to add to their pyproject.toml, quoted from it.
SETTING = re.compile(r'`(asyncio_default_fixture_loop_scope = "function")`')


def snippets() -> dict[str, str]:
    """The Python blocks that define tests, as test files named after their page."""
    found = {}
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
        for index, code in enumerate(blocks):
            if re.search(r"^(async )?def test_", code, re.M):
                found[f"test_{page.stem.lower().replace('-', '_')}_{index}.py"] = code
    return found


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert UV is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return subprocess.run(
        [UV, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST"))}
    python = project / ".venv" / "bin" / "python"
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_names_the_setting_and_there_are_snippets_to_paste():
    assert SETTING.search((ROOT / "README.md").read_text())
    names = snippets()
    assert any(name.startswith("test_readme_") for name in names)
    assert any(name.startswith("test_testing_") for name in names)


@pytest.mark.skipif(UV is None, reason="uv makes the fresh project; it is not installed here")
@pytest.mark.timeout(300)  # a venv and a wheel of the checkout; most of it from uv's cache
def test_the_snippets_pass_in_a_fresh_project(tmp_path):
    project = tmp_path / "fresh"
    project.mkdir()
    made = uv("venv", "--quiet", "--python", sys.executable, str(project / ".venv"), cwd=project)
    assert made.returncode == 0, made.stderr
    install = ("pip", "install", "--quiet", "--python", str(project / ".venv" / "bin" / "python"))
    packages = (f"{ROOT}[testing]", "pytest", "pytest-asyncio")
    done = uv(*install, "--offline", *packages, cwd=project)  # uv's cache has them after a sync
    if done.returncode != 0:
        done = uv(*install, *packages, cwd=project)
    assert done.returncode == 0, done.stderr
    files = snippets()
    for name, code in files.items():
        (project / name).write_text(code)
    count = sum(len(re.findall(r"^(?:async )?def test_", c, re.M)) for c in files.values())

    # The project's only configuration is the README's one line (no asyncio_mode: the
    # marks must do), and pytest must not even warn.
    line = SETTING.search((ROOT / "README.md").read_text())
    assert line is not None
    (project / "pyproject.toml").write_text(f"[tool.pytest.ini_options]\n{line[1]}\n")
    quiet = pytest_in(project, "-W", "error")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert f"{count} passed" in quiet.stdout, quiet.stdout
    assert "warning" not in quiet.stdout.lower(), quiet.stdout
