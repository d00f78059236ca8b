"""``cursors.kept``: one cursor per PostgreSQL connection, Django's usual one whenever it records."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core import cursors

pytestmark = pytest.mark.django_db


def _value(sql: str = "SELECT 41 + 1") -> tuple[object, int]:
    with cursors.kept() as cursor:
        cursor.execute(sql)
        return cursor, cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kept on PostgreSQL only")
@pytest.mark.django_db(transaction=True)  # the connection is closed midway
def test_the_same_cursor_serves_until_the_connection_changes() -> None:
    first, answer = _value()
    second, again = _value()
    assert answer == again == 42 and first is second
    connection.close()  # as close_old_connections does when the connection is too old
    third, answer = _value()
    assert answer == 42 and third is not first


def test_while_django_records_queries_each_statement_is_recorded() -> None:
    with CaptureQueriesContext(connection) as queries:
        first, _ = _value("SELECT 1")
        second, _ = _value("SELECT 2")
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1", "SELECT 2"]
    assert first is not second


def test_database_errors_arrive_as_djangos(org_a) -> None:  # type: ignore[no-untyped-def]
    table = connection.ops.quote_name("accounts_organization")
    with pytest.raises(IntegrityError), transaction.atomic(), cursors.kept() as cursor:
        cursor.execute(f"INSERT INTO {table} (name, slug, kind, timezone, created_at, config_stamp) "  # noqa: S608
                       "SELECT name, slug, kind, timezone, created_at, config_stamp FROM " + table)
    _cursor, answer = _value()  # and the kept cursor still works afterwards
    assert answer == 42
