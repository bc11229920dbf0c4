"""LlamaIndex models built from values that are already valid, without pydantic validating them again.

A retriever's 10 results become 10 ``TextNode``s; a reader's become 10 ``Document``s. Validating costs about 2.7 µs
for a ``TextNode``, 4.5 µs for a ``Document`` (its text included), for values known to be good: strings and flat
dicts this package built itself. ``model_construct`` is no way out: its loop over every field's aliases, in Python,
costs more than the validation it skips.

A :class:`Blueprint` does what ``model_construct`` does, without that loop: an instance gets the given values, a
fresh value from each default factory for a field not given (so no two instances share a dict or a list), the plain
defaults for the rest, and the given names as its ``model_fields_set``, as the validating constructor sets them.
It builds this way only models whose validation is type checks alone (no validator, no validated default, no
default factory reading other fields) and whose state is all in those three (no private attribute, no extra field,
no post-init hook); any other model (a later LlamaIndex may add one of these) goes through its validating
constructor. ``tests/llama_index/test_assemble.py`` checks that every kind built here equals its validated
construction: same fields, same set fields, same id, same hash, same dump.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_set_attribute = object.__setattr__


class Blueprint(Generic[M]):
    """Builds instances of one pydantic model from field values (by field name) that are already valid."""

    __slots__ = ("_defaults", "_factories", "_kind", "_required", "validates")

    def __init__(self, kind: type[M]) -> None:
        fields = kind.model_fields
        self._kind = kind
        # Validation that is more than type checks (a validator, validated defaults, a factory reading other fields,
        # a mutable default pydantic copies per instance) could change a value, and state beyond __dict__, fields
        # set and extras would be left unset: then validate.
        decorators = kind.__pydantic_decorators__
        self.validates = bool(
            decorators.model_validators
            or decorators.field_validators
            or decorators.root_validators
            or decorators.validators
            or kind.model_config.get("validate_default")
            or any(getattr(info, "default_factory_takes_validated_data", False) for info in fields.values())
            or any(not isinstance(info.default, Hashable) for info in fields.values())
            or kind.__private_attributes__
            or kind.model_config.get("extra") == "allow"
            or kind.__pydantic_post_init__
        )
        self._defaults = {name: info.default for name, info in fields.items()}  # in field order, as validated
        self._factories = [
            (name, cast(Callable[[], Any], info.default_factory))
            for name, info in fields.items()
            if info.default_factory is not None
        ]
        self._required = frozenset(name for name, info in fields.items() if info.is_required())

    def build(self, values: dict[str, Any]) -> M:
        """An instance with ``values`` (by field name; used as they are, not copied: a dict or list among them
        becomes the instance's own) and defaults for the other fields.

        Raises:
            ValueError: a name that is no field of the model, or a required field missing.
        """
        if self.validates:
            return self._kind(**values)
        state = self._defaults | values  # keeps the field order
        if len(state) != len(self._defaults) or not self._required <= values.keys():
            unknown = sorted(values.keys() - self._defaults) or sorted(self._required - values.keys())
            raise ValueError(f"{self._kind.__name__}: {unknown[0]!r} is no field, or a required one missing")
        for name, factory in self._factories:
            if name not in values:
                state[name] = factory()
        instance = self._kind.__new__(self._kind)
        _set_attribute(instance, "__dict__", state)
        _set_attribute(instance, "__pydantic_fields_set__", set(values))
        _set_attribute(instance, "__pydantic_extra__", None)
        _set_attribute(instance, "__pydantic_private__", None)
        return instance
