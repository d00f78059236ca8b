"""Hand-written reads for the few queries every API create runs, joined rows into model instances.

Building a queryset and compiling it to SQL costs Django more CPU than PostgreSQL spends running
the statement (a ``select_related`` over three tables takes about a millisecond of Python). The
token lookup and the request-intake reads run on every create, so they are written here once as
SQL; their column lists come from the models, so a new field is read without touching the SQL,
and the values go through the same converters as the ORM's (decryption, SQLite's dates). Every
other read uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar, cast

from django.db import connections
from django.db.models import Field, Model

from aftersales.core.fastpath import cursors, rows

M = TypeVar("M", bound=Model)
_Converter = Callable[[Any, Any, Any], Any]


@lru_cache(maxsize=128)
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


def columns(model: type[Model], alias: str, using: str = "default") -> str:
    """The select list for every concrete column of ``model`` under table alias ``alias``."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{quote(alias)}.{quote(cast(str, f.column))}" for f in _fields(model))


@lru_cache(maxsize=128)
def _loader(
    model: type[Model], using: str
) -> tuple[list[str], tuple[tuple[Any, tuple[_Converter, ...]], ...]]:
    """The attribute names ``from_db`` takes, and each column's expression and converters (the
    backend's, such as SQLite's dates, then the field's own; an encrypted field's decrypts only
    when its value is read, ``EncryptedTextField.read_later``)."""
    connection = connections[using]
    fields = _fields(model)
    out = []
    for f in fields:
        col = f.get_col(model._meta.db_table)
        # An encrypted field's value stays encrypted until read (``fields.Ciphertext``).
        own = (
            (read_later,)
            if (read_later := getattr(f, "read_later", None))
            else f.get_db_converters(connection)
        )
        converters = tuple(connection.ops.get_db_converters(col)) + tuple(own)
        out.append((col, converters))
    return [f.attname for f in fields], tuple(out)


def instance(model: type[M], values: Sequence[Any], using: str = "default") -> M | None:
    """``model`` from its columns' values as ``columns`` selected them; None when the row is all
    NULL (a LEFT JOIN that found nothing)."""
    if values[0] is None and all(v is None for v in values):
        return None
    connection = connections[using]
    attnames, columns_ = _loader(model, using)
    converted = list(values)
    for i, (col, converters) in enumerate(columns_):
        if converters:
            value = converted[i]
            for converter in converters:
                value = converter(value, col, connection)
            converted[i] = value
    return rows.from_db(model, using, attnames, converted)


def split(
    row: Sequence[Any], *models: type[Model], using: str = "default"
) -> tuple[list[Model | None], list[Any]]:
    """A joined row read with ``columns(m1), columns(m2)…`` and then any extra columns: the
    instances in that order, and the extra values."""
    out: list[Model | None] = []
    at = 0
    for model in models:
        n = len(_fields(model))
        out.append(instance(model, row[at : at + n], using))
        at += n
    return out, list(row[at:])


def one(
    sql: str, params: Sequence[Any], *models: type[Model], using: str = "default"
) -> tuple[list[Model | None], list[Any]] | None:
    """Run ``sql`` and ``split`` its first row; None when there is none."""
    with cursors.kept(using, sql=sql) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else split(row, *models, using=using)
