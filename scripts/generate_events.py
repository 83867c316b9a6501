"""Generate ``rx_coordinator/_models.py`` from Stream's OpenAPI description of its video API.

Run from the repository root after the spec changes::

    uv run python scripts/generate_events.py

It reads ``../shared/protocol/video-ws-events.json`` (``--spec`` to read another file) and
``../shared/protocol/video-rest-calls.json`` (``--rest-spec``), and writes one
``msgspec.Struct`` per event type of the ``WSEvent`` union, per answer of the REST calls
(the 2xx response of each operation: ``GetCallResponse``, ``QueryCallsResponse``, ...) and
per object schema they use, then formats the result with ruff. A schema both files define
must be the same in both. ``--check`` writes nothing and exits 1 when the committed module
differs from what the specs give.

Mapping rules (the spec's own words in quotes):

- ``"type": "number", "format": "date-time"`` becomes ``datetime``: the wire sends RFC 3339
  text although the spec says number.
- integers (any format) become ``int``, other numbers ``float``, ``boolean`` ``bool``.
- enums stay ``str`` (their values are listed in the docstring): a value the server adds
  later must not turn an event generic.
- a ``$ref`` to an object schema becomes its class; to a string enum, ``str``.
- ``additionalProperties`` becomes ``dict[str, T]`` (``Any`` when the values are untyped).
- a field not in ``required`` (or marked ``nullable``) becomes ``T | None = None``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "protocol" / "video-ws-events.json"
DEFAULT_REST_SPEC = ROOT.parent / "shared" / "protocol" / "video-rest-calls.json"
DEFAULT_OUT = ROOT / "rx_coordinator" / "_models.py"
UNION = "WSEvent"
WIDTH = 92  # docstring text width, inside ruff's 100 with the indent

Schema = Mapping[str, Any]

# Fields many schemas share that the spec leaves without a description.
COMMON_DOCS = {
    "call_cid": "The call, as ``type:id``.",
    "created_at": "When it was created.",
    "updated_at": "When it was last updated.",
}


def ref_name(ref: str) -> str:
    """``#/components/schemas/X`` -> ``X``."""
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r}")
    return ref[len(prefix) :]


class Generator:
    """Turns the spec's schemas into Python source, one class per object schema.

    ``rest``, when given, is the description of the REST calls: the answer of each call
    becomes a class too (with the schemas it uses), beside the events.
    """

    def __init__(self, spec: Schema, rest: Schema | None = None) -> None:
        schemas: dict[str, Any] = dict(spec["components"]["schemas"])
        # answer schema -> the operations answering with it ("GetCall (GET /api/...)")
        self.answers: dict[str, list[str]] = {}
        if rest is not None:
            for name, schema in rest["components"]["schemas"].items():
                if schemas.setdefault(name, schema) != schema:
                    raise ValueError(f"the two specs describe {name!r} differently")
            for name, operation in _answers(rest):
                self.answers.setdefault(name, []).append(operation)
        self.schemas: Schema = schemas
        self.version: str = spec.get("info", {}).get("version", "unknown")
        mapping = self.schemas[UNION]["discriminator"]["mapping"]
        self.events: dict[str, str] = {ref_name(ref): tag for tag, ref in mapping.items()}
        if len(self.events) != len(mapping):
            raise ValueError("two wire types share one schema; a class can carry one tag")

    # -- which classes -----------------------------------------------------------------

    def models(self) -> list[str]:
        """The REST answers and the object schemas they and the events reach, sorted by name.

        The events themselves are excluded (they have a tag, :meth:`render` adds them).
        """
        seen: set[str] = set(self.answers)
        pending = sorted({*self.events, *self.answers})
        while pending:
            name = pending.pop()
            for prop in self.schemas[name].get("properties", {}).values():
                for ref in _refs(prop):
                    if ref not in seen and self._is_object(ref):
                        seen.add(ref)
                        pending.append(ref)
        return sorted(seen - set(self.events))

    def _is_object(self, name: str) -> bool:
        return "properties" in self.schemas[name]

    # -- types -------------------------------------------------------------------------

    def annotation(self, prop: Schema) -> str:
        """The Python type of one property, without its optionality."""
        if "$ref" in prop:
            name = ref_name(prop["$ref"])
            target = self.schemas[name]
            if self._is_object(name):
                return name
            if target.get("type", "string") == "string":
                return "str"
            raise ValueError(f"unsupported $ref target {name!r}")
        kind = prop.get("type")
        fmt = prop.get("format")
        if kind is None:
            return "Any"
        if fmt == "date-time":
            return "datetime"
        if kind == "string":
            return "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "array":
            return f"list[{self.annotation(prop['items'])}]"
        if kind == "object":
            values = prop.get("additionalProperties", {})
            return f"dict[str, {self.annotation(values) if values else 'Any'}]"
        raise ValueError(f"unsupported schema {prop!r}")

    # -- source ------------------------------------------------------------------------

    def render(self) -> str:
        """The whole module."""
        models = self.models()
        events = sorted(self.events)
        names = sorted([*models, *events, "EVENT_TYPES", "AnyTypedEvent"])
        parts = [
            _HEADER.format(version=self.version),
            "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n",
        ]
        parts += [self.render_class(name) for name in models]
        parts += [self.render_class(name, tag=self.events[name]) for name in events]
        union = "\n    | ".join(events)
        parts.append(
            "AnyTypedEvent: TypeAlias = (\n    " + union + "\n)\n"
            '"""Any one of the typed event classes (the union the decoder reads)."""\n'
        )
        entries = "".join(f'        "{self.events[n]}": {n},\n' for n in events)
        parts.append(
            "EVENT_TYPES: Final[Mapping[str, type[TypedEvent]]] = MappingProxyType(\n"
            "    {\n" + entries + "    }\n)\n"
            '"""Every wire ``type`` of the spec\'s ``WSEvent`` union, mapped to its class."""\n'
        )
        return "\n\n".join(parts)

    def render_class(self, name: str, tag: str | None = None) -> str:
        """One ``msgspec.Struct`` subclass."""
        schema = self.schemas[name]
        props: dict[str, Schema] = dict(
            sorted(
                schema.get("properties", {}).items(),
                key=lambda item: (str(item[1].get("x-stream-index", "~")), item[0]),
            )
        )
        required = set(schema.get("required", ()))
        if tag is None:
            head = f"class {name}(Model, frozen=True):"
        else:
            props.pop("type", None)
            head = f'class {name}(TypedEvent, tag="{tag}", frozen=True):'
        lines = [head, _docstring(self._class_doc(name, schema, tag, props), indent=4)]
        if tag is not None:
            lines.append(f'    type: ClassVar[Literal["{tag}"]] = "{tag}"')
        for field, prop in sorted(props.items(), key=lambda item: item[0] not in required):
            annotation = self.annotation(prop)
            if field in required and not prop.get("nullable"):
                lines.append(f"    {field}: {annotation}")
            else:
                lines.append(f"    {field}: {annotation} | None = None")
        return "\n".join(lines) + "\n"

    def _class_doc(
        self, name: str, schema: Schema, tag: str | None, props: Mapping[str, Schema]
    ) -> list[str]:
        title = schema.get("title")
        summary = schema.get("description") or (title if title != name else None)
        lines = _wrap(_sentence(summary) if summary else f"Stream's ``{name}`` object.")
        if tag is not None:
            lines += ["", f"Wire type: ``{tag}``."]
        if name in self.answers:
            calls = ", ".join(sorted(self.answers[name]))
            lines += ["", *_wrap(f"The answer of {calls}.")]
        documented = [
            (field, doc) for field, prop in props.items() if (doc := self._field_doc(field, prop))
        ]
        if documented:
            lines += ["", "Attributes:"]
            for field, doc in documented:
                lines += _wrap(f"{field}: {doc}", first="    ", rest="        ")
        return lines

    def _field_doc(self, field: str, prop: Schema) -> str:
        text = prop.get("description") or prop.get("title") or COMMON_DOCS.get(field, "")
        enum = prop.get("enum")
        if "$ref" in prop and not self._is_object(ref_name(prop["$ref"])):
            enum = None  # a long list of capabilities: the class docs name the schema instead
            text = text or f"One of Stream's ``{ref_name(prop['$ref'])}`` values."
        if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
            target = ref_name(prop["items"]["$ref"])
            if not self._is_object(target):
                text = text or f"Stream's ``{target}`` values."
        if enum:
            values = ", ".join(f"``{value}``" for value in enum)
            text = f"{_sentence(text)} One of {values}." if text else f"One of {values}."
        return _sentence(text) if text else ""


def _answers(rest: Schema) -> Iterable[tuple[str, str]]:
    """Each REST operation's 2xx JSON answer schema, with the operation (``GetCall (GET /x)``)."""
    for path, operations in rest.get("paths", {}).items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if str(status).startswith("2") and schema and "$ref" in schema:
                    name = operation.get("operationId", "a call")
                    yield ref_name(schema["$ref"]), f"``{name}`` (``{method.upper()} {path}``)"


def _refs(prop: Schema) -> Iterable[str]:
    if "$ref" in prop:
        yield ref_name(prop["$ref"])
    if isinstance(prop.get("items"), dict):
        yield from _refs(prop["items"])
    if isinstance(prop.get("additionalProperties"), dict):
        yield from _refs(prop["additionalProperties"])


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(
        text.replace("\\", "\\\\").replace('"""', '\\"""'),
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    )


def _docstring(lines: list[str], indent: int) -> str:
    pad = " " * indent
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    body = [f'{pad}"""{lines[0]}', *(pad + line if line else "" for line in lines[1:])]
    return "\n".join([*body, f'{pad}"""'])


_HEADER = '''\
# Generated by scripts/generate_events.py from Stream's OpenAPI description (Stream API
# {version}). Do not edit by hand: change the generator and run
# `uv run python scripts/generate_events.py`.
"""The coordinator's event types and the object types they carry, as ``msgspec`` structs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, TypeAlias

from ._event_base import Model, TypedEvent
'''


def generate(spec_path: Path, rest_path: Path | None = None) -> str:
    """The formatted module for the WebSocket spec at ``spec_path`` and the REST one."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    rest = json.loads(rest_path.read_text(encoding="utf-8")) if rest_path else None
    return format_source(Generator(spec, rest).render())


def format_source(source: str) -> str:
    """``source`` as ``ruff check --fix`` and ``ruff format`` leave it (project settings)."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    ruff = [find_ruff_bin()]
    stdin = ["--stdin-filename", str(DEFAULT_OUT), "-"]
    for command in (
        ["check", "--fix", "--select", "I,RUF022", "--quiet", *stdin],
        ["format", *stdin],
    ):
        source = subprocess.run(
            ruff + command, input=source, capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
    return source


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="the WebSocket events' OpenAPI JSON file"
    )
    parser.add_argument(
        "--rest-spec", type=Path, default=DEFAULT_REST_SPEC, help="the REST calls' OpenAPI JSON"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the module to write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if --out differs; write nothing"
    )
    args = parser.parse_args(argv)
    for path in (args.spec, args.rest_spec):
        if not path.is_file():
            parser.error(f"no spec at {path}")
    source = generate(args.spec, args.rest_spec)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != source:
            print(f"{args.out} is out of date; run scripts/generate_events.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(source, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
