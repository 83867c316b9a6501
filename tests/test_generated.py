"""The committed ``_models.py`` is what the generator makes of Stream's spec."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "protocol" / "video-ws-events.json"
REST_SPEC = ROOT.parent / "shared" / "protocol" / "video-rest-calls.json"


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
    not (SPEC.is_file() and REST_SPEC.is_file()),
    reason=f"Stream's specs are not in {SPEC.parent} (kept beside the project, not in it)",
)
def test_the_generated_module_is_up_to_date(tmp_path):
    generator = load_generator()
    out = tmp_path / "_models.py"
    specs = ["--spec", str(SPEC), "--rest-spec", str(REST_SPEC)]
    assert generator.main([*specs, "--out", str(out)]) == 0
    committed = (ROOT / "rx_coordinator" / "_models.py").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, (
        "rx_coordinator/_models.py is stale: run `uv run python scripts/generate_events.py`"
    )
    assert generator.main([*specs, "--out", str(out), "--check"]) == 0
    out.write_text(committed + "# edited by hand\n", encoding="utf-8")
    assert generator.main([*specs, "--out", str(out), "--check"]) == 1


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


def rest_spec(thing_schema):
    return {
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "GetThing",
                    "responses": {
                        "201": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/GetThingResponse"}
                                }
                            }
                        },
                        "400": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/APIError"}
                                }
                            }
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": thing_schema,
                "Part": {"type": "object", "properties": {"n": {"type": "integer"}}},
                "APIError": {"type": "object", "properties": {"code": {"type": "integer"}}},
                "GetThingResponse": {
                    "type": "object",
                    "title": "GetThingResponse",
                    "required": ["thing", "parts"],
                    "properties": {
                        "thing": {"$ref": "#/components/schemas/Thing"},
                        "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
                    },
                },
            }
        },
    }


def ws_spec():
    return {
        "components": {
            "schemas": {
                "WSEvent": {
                    "discriminator": {"mapping": {"thing.done": "#/components/schemas/DoneEvent"}}
                },
                "Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
                "DoneEvent": {
                    "type": "object",
                    "required": ["thing"],
                    "properties": {"thing": {"$ref": "#/components/schemas/Thing"}},
                },
            }
        },
    }


def test_the_answers_of_the_rest_calls_become_classes_with_what_they_use():
    generator = load_generator()
    spec = ws_spec()
    source = generator.Generator(spec, rest_spec(spec["components"]["schemas"]["Thing"])).render()
    assert "class GetThingResponse(Model, frozen=True):" in source
    assert "The answer of ``GetThing`` (``GET /things/{id}``)." in source
    assert "    parts: list[Part]\n" in source
    assert "class Part(Model, frozen=True):" in source
    assert source.count("class Thing(Model, frozen=True):") == 1
    assert "class APIError" not in source  # an error answer, not a 2xx one
    assert "GetThingResponse" not in generator.Generator(spec).render()


def test_a_schema_the_two_specs_describe_differently_is_refused():
    generator = load_generator()
    other = {"type": "object", "properties": {"id": {"type": "integer"}}}
    with pytest.raises(ValueError, match="'Thing' differently"):
        generator.Generator(ws_spec(), rest_spec(other))
