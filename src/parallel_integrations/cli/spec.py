"""``--output``: what shape the answer takes, from a JSON schema file, a ``module:Class`` pydantic path, or a text
description, turned into the task spec sent with each run.

A value that names an existing file, or ends in ``.json``, is a file (a missing one is an error, never sent as a
description); ``package.module:Class`` (no spaces) is a class imported from the current directory or the
installed packages; anything else is a description of a text answer. The schema is compiled with
:func:`parallel_integrations.to_json_schema`, so a schema the API would refuse is refused here, before any
request, with the path of the offending field.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CliError, ExitCode

if TYPE_CHECKING:
    from parallel_integrations import TaskSpec

__all__ = ["OutputSpec", "load_output_spec"]

_CLASS_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class OutputSpec:
    """The answer's shape. ``task_spec`` is ``None`` for the API's automatic schema; ``fields`` are the
    top-level properties of a JSON answer (empty for text or automatic answers)."""

    label: str
    task_spec: TaskSpec | None
    fields: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        """A digest of the task spec, so a resumed batch can tell whether its answers have the same shape."""
        wire = self.task_spec.to_wire() if self.task_spec is not None else None
        return hashlib.sha256(json.dumps(wire, sort_keys=True).encode()).hexdigest()


def load_output_spec(value: str | None) -> OutputSpec:
    """Read ``--output`` (``None``: the API's automatic schema). Raises :class:`CliError` (exit 3) for a missing
    or unreadable file, a class that cannot be imported, or a schema the API cannot express."""
    from parallel_integrations import JsonSchema, SchemaError, TaskSpec, TextSchema, to_json_schema

    if value is None:
        return OutputSpec("auto", None, ())
    if not value.strip():
        raise CliError("--output: empty; give a schema file, a module:Class path or a description", ExitCode.USAGE)
    source: Any
    path = Path(value)
    if path.suffix.lower() == ".json" or path.is_file():
        source = _read_schema_file(path)
    elif _CLASS_PATH.match(value):
        source = _import_class(value)
    else:
        return OutputSpec(value, TaskSpec(output_schema=TextSchema(description=value)), ())
    if isinstance(source, str):
        return OutputSpec(value, TaskSpec(output_schema=TextSchema(description=source)), ())
    try:
        schema = to_json_schema(source)
    except SchemaError as exc:
        raise CliError(f"--output {value}: {exc}", ExitCode.BAD_INPUT) from exc
    return OutputSpec(value, TaskSpec(output_schema=JsonSchema(json_schema=schema)), tuple(schema["properties"]))


def _read_schema_file(path: Path) -> Any:
    """A JSON schema, or the text description of a ``{"type": "text"}`` spec, from ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"--output {path}: no such file", ExitCode.BAD_INPUT) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"--output {path}: cannot read it ({exc})", ExitCode.BAD_INPUT) from exc
    except json.JSONDecodeError as exc:
        raise CliError(f"--output {path}: not valid JSON ({exc})", ExitCode.BAD_INPUT) from exc
    if not isinstance(data, dict):
        raise CliError(f"--output {path}: expected a JSON object (a schema)", ExitCode.BAD_INPUT)
    # The API's own forms are accepted as well as a bare schema.
    if data.get("type") == "json" and isinstance(data.get("json_schema"), dict):
        return data["json_schema"]
    if data.get("type") == "text":
        description = data.get("description")
        if not isinstance(description, str) or not description.strip():
            raise CliError(f"--output {path}: a text spec needs a 'description' string", ExitCode.BAD_INPUT)
        return description
    return data


def _import_class(value: str) -> Any:
    """The pydantic class named by ``module:Class`` (the current directory is searched first, as Python does
    for ``python -m``)."""
    from pydantic import BaseModel

    module_name, _, attribute = value.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except ImportError as exc:
        raise CliError(f"--output {value}: cannot import {module_name} ({exc})", ExitCode.BAD_INPUT) from exc
    except AttributeError:
        raise CliError(f"--output {value}: {module_name} has no {attribute}", ExitCode.BAD_INPUT) from None
    except Exception as exc:  # the module's own code failed while importing: say so, it is the user's file
        raise CliError(f"--output {value}: importing {module_name} failed ({exc!r})", ExitCode.BAD_INPUT) from exc
    if not (isinstance(target, type) and issubclass(target, BaseModel)):
        raise CliError(f"--output {value}: not a pydantic model class", ExitCode.BAD_INPUT)
    return target
