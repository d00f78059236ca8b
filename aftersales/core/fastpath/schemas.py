"""Response schemas filled straight from model instances, for the API's busiest answers.

django-ninja validates every response object: it wraps the instance in a ``DjangoGetter`` and
has pydantic check each field, which for a service request costs more CPU than reading it did.
Our own instances need no checking, so ``trusted`` reads the same attributes ninja would (a
``resolve_<field>`` static method, else the field's alias as a dotted path, else its name, with
callables called) and builds the schema with ``model_construct``. ninja returns an instance of
the response schema as it is, so the JSON is what validation would have produced; a test per
schema holds the two paths equal.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from ninja import Schema

S = TypeVar("S", bound=Schema)
_Getter = Callable[[Any], Any]


def _path(path: str) -> _Getter:
    parts = path.split(".")

    def get(obj: Any) -> Any:
        for part in parts:
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj() if callable(obj) else obj

    return get


@lru_cache(maxsize=64)
def _getters(schema: type[Schema]) -> tuple[tuple[str, _Getter], ...]:
    out: list[tuple[str, _Getter]] = []
    for name, info in schema.model_fields.items():
        resolver = getattr(schema, f"resolve_{name}", None)
        if resolver is not None:
            if len(inspect.signature(resolver).parameters) != 1:
                raise TypeError(
                    f"{schema.__name__}.resolve_{name}: trusted() calls static resolvers of one object"
                )
            out.append((name, resolver))
        else:
            out.append((name, _path(info.alias or name)))
    return tuple(out)


def trusted(schema: type[S], obj: Any) -> S:
    """``schema`` filled from ``obj`` without validation: only for objects the app built itself,
    whose attributes already have the schema's types."""
    return schema.model_construct(**{name: get(obj) for name, get in _getters(schema)})
