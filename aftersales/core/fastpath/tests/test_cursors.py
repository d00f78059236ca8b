"""``cursors.kept``: one cursor per PostgreSQL connection, Django's usual one whenever it records."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core.fastpath import cursors

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


def test_database_errors_arrive_as_djangos(org_a) -> None:
    table = connection.ops.quote_name("accounts_organization")
    with pytest.raises(IntegrityError), transaction.atomic(), cursors.kept() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, slug, kind, timezone, created_at, config_stamp) "  # noqa: S608
            "SELECT name, slug, kind, timezone, created_at, config_stamp FROM " + table
        )
    _cursor, answer = _value()  # and the kept cursor still works afterwards
    assert answer == 42


def _run(sql: str, params: list[object]) -> tuple[object, object, object]:
    with cursors.kept(sql=sql) as cursor:
        cursor.execute(sql, params)
        return cursor, cursor.cursor._tx, cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kept on PostgreSQL only")
def test_statements_taking_turns_keep_their_own_cursors_and_adapters() -> None:
    """psycopg starts a cursor's adapters anew whenever it runs another statement; with a cursor
    per statement, two that take turns (a repair's write, a consultation's) keep theirs."""
    a, b = "SELECT %s::int + 1", "SELECT %s::text || 'x'"
    cur_a, tx_a, one = _run(a, [1])
    cur_b, tx_b, text = _run(b, ["y"])
    again_a, again_tx_a, two = _run(a, [2])
    again_b, again_tx_b, _ = _run(b, ["z"])
    assert (one, text, two) == (2, "yx", 3)
    assert cur_a is again_a and cur_b is again_b and cur_a is not cur_b
    assert tx_a is again_tx_a and tx_b is again_tx_b
    # One shared cursor, as before, starts over on each change of statement.
    shared_tx = []
    for sql, params in ((a, [1]), (b, ["y"]), (a, [2])):
        with cursors.kept() as cursor:
            cursor.execute(sql, params)
            shared_tx.append(cursor.cursor._tx)
    assert shared_tx[0] is not shared_tx[2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kept on PostgreSQL only")
def test_cursors_kept_per_statement_are_bounded() -> None:
    first, _tx, _ = _run("SELECT %s::int", [0])
    for n in range(1, cursors.KEEP_AT_MOST + 5):
        _run(f"SELECT %s::int + {n}", [n])
    assert len(connections["default"].__dict__["_kept_cursors"]) <= cursors.KEEP_AT_MOST
    assert first.cursor.closed  # dropped ones are closed, not left for the collector
    again, _tx, value = _run("SELECT %s::int", [7])
    assert value == 7 and again is not first
