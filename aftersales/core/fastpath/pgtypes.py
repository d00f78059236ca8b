"""PostgreSQL timestamps read by psycopg's compiled loader rather than its Python one.

Django reads ``timestamptz`` columns with a loader of its own: psycopg's pure-Python loader, its
result's ``tzinfo`` then set to the connection's time zone. Parsing the text in Python costs more
than the rest of loading a row of a few columns. The cursors kept for the statements every create
runs (``cursors.kept``) read them with psycopg's compiled loader instead, where that gives the same
values: the same instant, wall time and ``tzinfo`` object. (The compiled class cannot be
subclassed to carry the ``timezone`` attribute Django checks on the connection's loader before
each cursor, so it goes on these cursors only, after Django has made them.)
"""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from typing import Any

from psycopg import adapters, postgres
from psycopg.pq import Format


@lru_cache(maxsize=1)
def compiled_loader() -> type[Any] | None:
    """psycopg's compiled text loader for ``timestamptz``, or None without the compiled package."""
    loader = adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)
    if loader is None or loader.__module__.split(".")[0] != "psycopg_binary":
        return None
    return loader


def same_as_djangos(connection: Any) -> bool:
    """Whether the compiled loader reads what Django's does on this (open) connection: Django's
    zone is UTC (``USE_TZ`` with no database ``TIME_ZONE``, as this project sets it) and so is
    the session's (Django sets it on connecting); both then give ``datetime.timezone.utc``."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return False
    return connection.connection.info.parameter_status("TimeZone") in ("UTC", "Etc/UTC")


def adopt(connection: Any, cursor: Any) -> None:
    """Have the psycopg ``cursor`` of Django's ``connection`` read timestamps with the compiled
    loader, where it gives the same values."""
    compiled = compiled_loader()
    if compiled is not None and same_as_djangos(connection):
        cursor.adapters.register_loader(postgres.types["timestamptz"].oid, compiled)
