"""The committed ``_models.py`` is what the generator makes of Stream's spec."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "protocol" / "video-ws-events.json"


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate_events", ROOT / "scripts" / "generate_events.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_events", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not SPEC.is_file(),
    reason=f"Stream's spec is not at {SPEC} (it is kept beside the project, not in it)",
)
def test_the_generated_module_is_up_to_date(tmp_path):
    generator = load_generator()
    out = tmp_path / "_models.py"
    assert generator.main(["--spec", str(SPEC), "--out", str(out)]) == 0
    committed = (ROOT / "rx_coordinator" / "_models.py").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, (
        "rx_coordinator/_models.py is stale: run `uv run python scripts/generate_events.py`"
    )
    assert generator.main(["--spec", str(SPEC), "--out", str(out), "--check"]) == 0
    out.write_text(committed + "# edited by hand\n", encoding="utf-8")
    assert generator.main(["--spec", str(SPEC), "--out", str(out), "--check"]) == 1


def test_the_generator_maps_spec_types_as_documented():
    generator = load_generator()
    spec = {
        "info": {"version": "v1"},
        "components": {
            "schemas": {
                "WSEvent": {
                    "discriminator": {"mapping": {"thing.done": "#/components/schemas/DoneEvent"}}
                },
                "Level": {"type": "string", "enum": ["a", "b"]},
                "Thing": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}},
                    "required": ["id"],
                },
                "DoneEvent": {
                    "type": "object",
                    "description": "A thing is done",
                    "required": ["type", "at", "things", "level"],
                    "properties": {
                        "type": {"type": "string", "default": "thing.done"},
                        "at": {"type": "number", "format": "date-time"},
                        "things": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Thing"},
                        },
                        "level": {"$ref": "#/components/schemas/Level"},
                        "count": {"type": "integer", "format": "int32", "description": "how many"},
                        "extra": {"type": "object", "additionalProperties": {}},
                        "mode": {"type": "string", "enum": ["x", "y"]},
                    },
                },
            }
        },
    }
    source = generator.Generator(spec).render()
    assert 'class DoneEvent(TypedEvent, tag="thing.done", frozen=True):' in source
    assert 'type: ClassVar[Literal["thing.done"]] = "thing.done"' in source
    for line in [
        "at: datetime",
        "things: list[Thing]",
        "level: str",
        "count: int | None = None",
        "extra: dict[str, Any] | None = None",
        "mode: str | None = None",
        "id: str",
    ]:
        assert f"    {line}\n" in source
    assert "count: How many." in source
    assert "mode: One of ``x``, ``y``." in source
    assert '"thing.done": DoneEvent' in source
    assert "class Level" not in source  # enums stay str
