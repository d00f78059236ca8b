"""Cursors kept per connection for the statements every API create runs.

Making a cursor costs Django and psycopg more than the short reads it serves (a psycopg cursor
with its transformer, Django's wrapper, the thread and health checks). ``kept`` hands out the same
wrapped PostgreSQL cursor (per statement, when asked) for the life of the database connection,
and an ordinary one whenever Django is recording queries (DEBUG, tests counting them) or code has
installed execute wrappers: then every statement goes through Django's usual path. Errors still
come through Django's ``wrap_database_errors``, as ``CursorWrapper.execute`` applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

from aftersales.core.fastpath import pgtypes

# Cursors kept per connection, at most: one per statement the creates run, with room to spare.
KEEP_AT_MOST = 32


@contextmanager
def kept(
    using: str = "default",
    kind: str = "default",
    make: Callable[[Any], Any] | None = None,
    sql: str | None = None,
) -> Iterator[Any]:
    """A cursor for a few statements; do not keep it past the ``with``. ``kind`` and ``make``:
    a cursor of another class (``make(psycopg_connection)``), kept apart under that name.

    ``sql``: the one statement the cursor is for, which then gets a cursor of its own. psycopg
    keeps a cursor's adapters (which dumper and loader each parameter and column takes) only
    while the cursor runs the same statement again, and starts from nothing when it changes;
    a cursor per statement keeps them (about a tenth of a create's server CPU, where repairs and
    consultations take turns on one connection)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() if make is None else _fresh(connection, make) as cursor:
            yield cursor
        return
    connection.ensure_connection()
    raw = connection.connection
    store: dict[Any, Any] = connection.__dict__.setdefault("_kept_cursors", {})
    key = kind if sql is None else (kind, sql)
    cursor = store.get(key)
    if cursor is None or cursor.cursor.connection is not raw or cursor.cursor.closed:
        if len(store) >= KEEP_AT_MOST:
            for old in store.values():
                old.close()
            store.clear()
        cursor = connection.cursor() if make is None else _fresh(connection, make)
        pgtypes.adopt(connection, cursor.cursor)
        store[key] = cursor
    yield cursor


def _fresh(connection: Any, make: Callable[[Any], Any]) -> Any:
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(make(connection.connection))
