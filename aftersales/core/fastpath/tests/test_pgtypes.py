"""Timestamps read by psycopg's compiled loader come out exactly as Django's own loader gives them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from psycopg import postgres
from psycopg.pq import Format

from aftersales.core.fastpath import cursors, pgtypes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]

VALUES = [
    datetime(2026, 11, 25, 2, 15, 19, 766000, tzinfo=UTC),
    datetime(2026, 3, 10, 9, 0, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 30, tzinfo=ZoneInfo("America/New_York")),
]
SQL = "SELECT " + ", ".join(["%s::timestamptz"] * len(VALUES))


def _loader(cursor) -> type:
    return cursor.adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)


def test_kept_cursors_read_timestamps_as_djangos_cursors_do() -> None:
    with cursors.kept(sql=SQL) as kept:
        kept.execute(SQL, VALUES)
        fast = list(kept.fetchone())
        assert _loader(kept.cursor) is pgtypes.compiled_loader() is not None
    with connection.cursor() as cursor:
        assert _loader(cursor.cursor) is not pgtypes.compiled_loader()  # Django's own
        cursor.execute(SQL, VALUES)
        djangos = list(cursor.fetchone())
    assert fast == djangos == VALUES
    for a, b in zip(fast, djangos, strict=True):
        assert a.tzinfo is b.tzinfo is UTC
        assert (a.timetuple(), a.microsecond) == (b.timetuple(), b.microsecond)


@pytest.mark.django_db(transaction=True)  # the connection is closed and opened again
def test_where_the_results_would_differ_djangos_loader_stays(settings) -> None:
    """Without USE_TZ Django reads naive datetimes, which the compiled loader does not give."""
    settings.USE_TZ = False
    connection.close()
    try:
        one = "SELECT %s::timestamptz"
        with cursors.kept(sql=one) as kept:
            assert _loader(kept.cursor) is not pgtypes.compiled_loader()
            kept.execute(one, [VALUES[0]])
            value = kept.fetchone()[0]
        assert value.tzinfo is None and value == datetime(
            2026, 11, 25, 10, 15, 19, 766000
        )  # Shanghai's wall time
    finally:
        connection.close()
