"""A griffe extension for the API reference: parameters documented as required show so.

``StreamAPIWS(api_key, token=None, user_id="")`` keeps ``user_id`` after the optional
``token``, so Python needs a default for it; the client refuses the empty one. The
reference would show that placeholder as the default, next to "(required)". This extension
drops the default of every parameter whose description in the class or function docstring
says "(required)", so the reference shows "required" (loaded by ``mkdocs.yml``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["RequiredParameters"]


_PARAMETER = re.compile(r"^    (\w+)(?: \([^)]*\))?: ")  # "    name: text", "    name (type): text"


def _required(docstring: griffe.Docstring | None) -> set[str]:
    """The parameters whose Google-style description says "(required)"."""
    if docstring is None:
        return set()
    texts: dict[str, str] = {}
    current = None
    for line in docstring.value.splitlines():
        match = _PARAMETER.match(line)
        if match:
            current = match[1]
            texts[current] = line
        elif current is not None and line.startswith("        "):
            texts[current] += line
        else:
            current = None
    return {name for name, text in texts.items() if "(required)" in text}


class RequiredParameters(griffe.Extension):
    """Drops the default of the parameters whose docstring says "(required)"."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        """A class documents its constructor's parameters: apply them to ``__init__``."""
        init = cls.members.get("__init__")
        if isinstance(init, griffe.Function):
            _apply(init, _required(cls.docstring) | _required(init.docstring))

    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        """A function documents its own parameters."""
        _apply(func, _required(func.docstring))


def _apply(func: griffe.Function, names: set[str]) -> None:
    for parameter in func.parameters:
        if parameter.name in names:
            parameter.default = None
