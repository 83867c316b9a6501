"""The benchmark scripts still run (a smoke run; no timing is asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_decode_benchmark_prints_a_ratio_per_frame(capsys):
    assert load("decode").main(["--seconds", "0.005", "--repeat", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["call.session_participant_joined", "call.created"]
    assert all(float(row.split()[-1]) > 0 for row in rows)
