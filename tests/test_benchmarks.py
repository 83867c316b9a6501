"""The benchmark scripts still run (a smoke run; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import os
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


def test_throughput_and_latency_benchmarks_print_their_ratios(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # they import their shared _common module
    cpus = os.sched_getaffinity(0)
    try:
        assert load("throughput").main(["--events", "300", "--rounds", "1"]) == 0
        assert "ratio (ours / bare, CPU):" in capsys.readouterr().out
        assert load("latency").main(["--events", "60", "--interval", "0.001"]) == 0
        assert "added by the client" in capsys.readouterr().out
    finally:
        os.sched_setaffinity(0, cpus)  # the benchmarks pin themselves to one CPU


def test_the_per_event_benchmark_feeds_the_whole_pipeline(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    # The script asserts that every frame reached each subscriber, and that each one gave
    # the call_state subscriber a snapshot: a smoke run checks what the figures stand for.
    assert load("per_event").main(["--frames", "201", "--repeat", "2", "--participants", "3"]) == 0
    out = capsys.readouterr().out
    assert "StreamAPIWS pipeline, to a subscriber" in out
    assert "ratio (json.loads / pipeline):" in out
    assert "and a call_state subscriber" in out
    ratio = out.split("ratio (call_state / events, events per second):")[1].split()[0]
    assert float(ratio) > 0


def test_call_state_benchmark_prints_a_ratio_per_family(capsys):
    assert load("call_state").main(["--participants", "3", "--events", "24", "--repeat", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[3:]
    assert [row.split()[0] for row in rows] == [
        "join/leave",
        "counts",
        "member_updated",
        "call.updated",
        "unchanged",
        "other",
        "mix",
    ]
    assert all(float(row.split()[-1]) > 0 for row in rows)
