"""The repository stands on its own: it points to nothing outside it, and installs as it says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
OUTSIDE = re.compile(r"DESIGN\.md|\.\./shared|/work/")
# Files that may name something outside, and why.
ALLOWED = {
    # The spec the events are generated from is an input the maintainers pass (--spec);
    # by default the script looks beside the checkout.
    "scripts/generate_events.py",
    "tests/test_repository.py",
}
PYPI_INSTALL = re.compile(r"pip install\s+[\"']?rx-coordinator\b")


def tracked() -> list[str]:
    try:
        done = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout ({error}): the tracked files are unknown")
    return [name for name in done.stdout.splitlines() if not name.endswith(".lock")]


def texts() -> dict[str, str]:
    found = {}
    for name in tracked():
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            found[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
    return found


def test_nothing_points_outside_the_repository():
    pointing = {
        name: sorted(set(OUTSIDE.findall(text)))
        for name, text in texts().items()
        if name not in ALLOWED and OUTSIDE.search(text)
    }
    assert not pointing


def test_nothing_says_to_install_from_pypi_before_a_release_exists():
    saying = [name for name, text in texts().items() if PYPI_INSTALL.search(text)]
    assert not saying


def test_the_reference_shows_required_parameters_as_required():
    """``user_id`` has a placeholder default in Python (it follows the optional ``token``);
    the docs' griffe extension, loaded by mkdocs.yml, shows it as required instead."""
    griffe = pytest.importorskip("griffe", reason="griffe comes with the docs group")
    extension = "scripts/docs_required_parameters.py:RequiredParameters"
    assert extension in (ROOT / "mkdocs.yml").read_text()
    package = griffe.load(
        "rx_coordinator",
        search_paths=[str(ROOT)],
        extensions=griffe.load_extensions(str(ROOT / extension)),
    )
    client = package["StreamAPIWS"]
    sections = client.docstring.parse("google")
    parameters = next(s for s in sections if s.kind.value == "parameters").value
    defaults = {p.name: p.default for p in parameters}
    assert defaults["user_id"] is None  # rendered "required", not ''
    assert defaults["api_key"] is None
    assert defaults["token"] == "None"  # real defaults stay
    assert defaults["max_retries"] == "5"
