"""Token lookups kept per process, and every change that must end them: from this process, from
another one (a separate connection, as another server process writes), by any kind of write."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales import settings as settings_module
from aftersales.accounts import tokens
from aftersales.accounts.models import ApiToken, Role
from aftersales.accounts.tokens import token_create, token_lookup, token_revoke
from aftersales.core.fastpath import changes
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the listener is PostgreSQL's LISTEN"
)


def _queries(fn: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as ctx:
        out = fn()
    return out, len(ctx.captured_queries)


def _other_process(sql: str, params: list[Any]) -> None:
    """Write as another server process would: its own connection, committed."""
    with psycopg.connect(**changes.connect_params(), autocommit=True) as other:
        other.execute(sql, params)


def _until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(autouse=True)
def _cache_on(settings):
    # The cache is opt-in (off by default); these tests are about what it does when on.
    settings.AFTERSALES_ACCOUNTS_CACHE = True


@pytest.fixture
def kept_token(alice) -> Iterator[tuple[ApiToken, str]]:
    """A token looked up once with the listener live, so the lookup is kept."""
    token, raw = token_create(user=alice, name="erp")
    assert token_lookup(raw=raw) is not None  # starts the listener
    assert changes.wait_live(), "the listener did not start"
    changes.drop_all()  # whatever was read before it listened
    assert token_lookup(raw=raw) is not None
    assert _queries(lambda: token_lookup(raw=raw))[1] == 0, "the lookup was not kept"
    yield token, raw


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_lookup_costs_no_statement_and_gives_fresh_objects(kept_token) -> None:
    token, raw = kept_token
    first, n = _queries(lambda: token_lookup(raw=raw))
    assert n == 0
    assert first is not None and first.pk == token.pk and first.user.username == "alice"
    assert first.organization.slug == "acme" and first.user.organization is first.organization
    # what one request does to its objects never reaches the next one
    first.user.role = Role.ORG_ADMIN
    first.organization.name = "changed in memory"
    second, _ = _queries(lambda: token_lookup(raw=raw))
    assert second.user.role == Role.AGENT and second.organization.name == "Acme 家电"
    assert second.user is not first.user


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_by_another_process_stops_working_within_moments(kept_token) -> None:
    token, raw = kept_token
    _other_process("UPDATE accounts_apitoken SET revoked_at = now() WHERE id = %s", [token.pk])
    assert _until(lambda: token_lookup(raw=raw) is None)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_user_deactivated_or_demoted_with_raw_sql_is_seen(kept_token, alice) -> None:
    _token, raw = kept_token
    _other_process("UPDATE accounts_user SET role = %s WHERE id = %s", [Role.TECHNICIAN, alice.pk])
    assert _until(lambda: token_lookup(raw=raw).user.role == Role.TECHNICIAN)
    _other_process("UPDATE accounts_user SET is_active = false WHERE id = %s", [alice.pk])
    assert _until(lambda: not token_lookup(raw=raw).user.is_active)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_an_organization_change_elsewhere_is_seen(kept_token, org_a) -> None:
    _token, raw = kept_token
    _other_process("UPDATE accounts_organization SET name = %s WHERE id = %s", ["Acme 售后", org_a.pk])
    assert _until(lambda: token_lookup(raw=raw).organization.name == "Acme 售后")


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_recording_use_is_not_a_change(kept_token, alice) -> None:
    token, raw = kept_token
    heard = changes._listener.heard
    # use recorded the ways the app does it, and as another process would
    tokens.token_used(token=token, at=timezone.now())
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    _other_process("UPDATE accounts_apitoken SET last_used_at = now() WHERE id = %s", [token.pk])
    _other_process("UPDATE accounts_user SET last_login = now() WHERE id = %s", [alice.pk])
    _found, n = _queries(lambda: token_lookup(raw=raw))
    assert n == 0  # no signal dropped it
    # then a real change, as a marker: notices arrive in commit order, so once the marker is
    # heard any notice of the four before it would have been heard too
    _other_process("UPDATE accounts_apitoken SET name = 'erp-2' WHERE id = %s", [token.pk])
    assert _until(lambda: changes._listener.heard > heard)
    assert changes._listener.heard == heard + 1
    assert token_lookup(raw=raw).name == "erp-2"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_this_process_sees_its_own_revoke_at_once(kept_token) -> None:
    token, raw = kept_token
    with transaction.atomic():
        token_revoke(token=ApiToken.objects.get(pk=token.pk))
        assert tokens._found == {}  # dropped by the signal, before any notice could come
    assert token_lookup(raw=raw) is None


def _kill_listener() -> None:
    _other_process(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'aftersales accounts listener' AND pid <> pg_backend_pid()",
        [],
    )


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_while_the_listener_is_down(kept_token, monkeypatch) -> None:
    token, raw = kept_token
    real_connect = changes._connect

    def refused(params: dict[str, Any]) -> Any:
        raise OSError("connection refused")

    # the database goes away: the listener's connection is cut and it cannot reconnect
    monkeypatch.setattr(changes, "_connect", refused)
    _kill_listener()
    assert _until(lambda: not changes._listener.live)
    assert tokens._found == {}
    # a change whose notice no one hears is still seen: every lookup reads
    _other_process("UPDATE accounts_apitoken SET name = 'while down' WHERE id = %s", [token.pk])
    for _ in range(2):
        found, n = _queries(lambda: token_lookup(raw=raw))
        assert n == 1 and found.name == "while down"
    # the database is back: the listener reconnects by itself and lookups are kept again
    monkeypatch.setattr(changes, "_connect", real_connect)
    assert changes.wait_live(timeout=40)
    token_lookup(raw=raw)
    _found, n = _queries(lambda: token_lookup(raw=raw))
    assert n == 0


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_listener_whose_notices_stop_arriving_stops_keeping(kept_token, monkeypatch) -> None:
    _token, raw = kept_token
    monkeypatch.setattr(changes, "HEARTBEAT", 0.2)
    monkeypatch.setattr(changes, "HEARTBEAT_WAIT", 0.5)
    # its own notices go where it does not listen, as behind a pooler that delivers none
    monkeypatch.setattr(changes, "CHANNEL", "aftersales_nobody_listens")
    try:
        # within one heartbeat (5 s, set before the change) and its wait
        assert _until(lambda: not changes._listener.live, timeout=10)
        assert tokens._found == {}
        _found, n = _queries(lambda: token_lookup(raw=raw))
        assert n == 1
    finally:
        changes.stop()  # it may have started listening on the wrong channel: the next test starts afresh


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_lookup_inside_a_transaction_is_not_kept(alice) -> None:
    _token, raw = token_create(user=alice, name="erp")
    token_lookup(raw=raw)
    assert changes.wait_live()
    changes.drop_all()
    with transaction.atomic():
        # this transaction's own, uncommitted changes could be in what it reads
        for _ in range(2):
            _found, n = _queries(lambda: token_lookup(raw=raw))
            assert n == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_lookup_that_crossed_a_change_is_not_kept(alice, monkeypatch) -> None:
    _token, raw = token_create(user=alice, name="erp")
    token_lookup(raw=raw)
    assert changes.wait_live()
    changes.drop_all()
    real_one = tokens.reads.one

    def one_then_a_change(*args: Any, **kwargs: Any) -> Any:
        out = real_one(*args, **kwargs)
        changes.drop_all()  # a notice handled while the row was on its way
        return out

    monkeypatch.setattr(tokens.reads, "one", one_then_a_change)
    token_lookup(raw=raw)
    monkeypatch.setattr(tokens.reads, "one", real_one)
    _found, n = _queries(lambda: token_lookup(raw=raw))
    assert n == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_api_creates_with_a_kept_token_take_two_statements_and_revoking_ends_them(alice, org_a) -> None:
    token, raw = token_create(user=alice, name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    customer = CustomerFactory(organization=org_a, email="c@example.com")
    AddressFactory(customer=customer)
    unit = UnitFactory(organization=org_a, customer=customer)
    body = json.dumps(
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": customer.pk,
            "unit_serial": unit.serial_number,
            "allow_duplicate": True,
        }
    )

    def create() -> Any:
        return api.post("/api/v1/requests", data=body, content_type="application/json")

    assert create().status_code == 201
    assert changes.wait_live()
    for _ in range(3):  # warm: the token kept, the settings cached
        assert create().status_code == 201
    r, n = _queries(create)
    assert r.status_code == 201
    assert n == 2  # the intake read and the write: no token statement
    token_revoke(token=ApiToken.objects.get(pk=token.pk))
    assert create().status_code == 401


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_lookup_expires_even_without_a_notice(kept_token, monkeypatch) -> None:
    _token, raw = kept_token
    later = time.monotonic() + changes.MAX_AGE + 1
    monkeypatch.setattr(changes, "_now", lambda: later)
    _found, n = _queries(lambda: token_lookup(raw=raw))
    assert n == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_switched_off_every_lookup_reads(kept_token, settings) -> None:
    _token, raw = kept_token
    settings.AFTERSALES_ACCOUNTS_CACHE = False  # behind a transaction-mode pooler: no notices
    for _ in range(2):
        _found, n = _queries(lambda: token_lookup(raw=raw))
        assert n == 1


@pytest.mark.skipif(connection.vendor == "postgresql", reason="off PostgreSQL nothing is kept")
@pytest.mark.django_db(transaction=True)
def test_off_postgres_every_lookup_reads(alice) -> None:
    token, raw = token_create(user=alice, name="erp")
    for _ in range(3):
        found, n = _queries(lambda: token_lookup(raw=raw))
        assert n == 1 and found is not None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")  # no signal
    assert token_lookup(raw=raw) is None


# --- the switch, on any database: a stand-in for a live PostgreSQL listener ----------------------


class _PostgresLike:
    vendor = "postgresql"
    in_atomic_block = False


@pytest.fixture
def listener_live(monkeypatch) -> Iterator[None]:
    """``changes.usable`` sees a PostgreSQL connection and a live listener of this process, so
    only the setting decides (the token is still read through the real connection)."""
    monkeypatch.setattr(changes, "connections", {"default": _PostgresLike()})
    monkeypatch.setattr(changes._listener, "pid", os.getpid())
    monkeypatch.setattr(changes._listener, "live", True)
    changes.drop_all()
    yield
    changes.drop_all()


@pytest.mark.skipif("AFTERSALES_ACCOUNTS_CACHE" in os.environ, reason="switched by the environment")
def test_the_token_cache_is_off_by_default() -> None:
    assert settings_module.AFTERSALES_ACCOUNTS_CACHE is False


def test_without_the_setting_nothing_is_kept(listener_live, settings) -> None:
    del settings.AFTERSALES_ACCOUNTS_CACHE
    assert not changes.usable()
    settings.AFTERSALES_ACCOUNTS_CACHE = True
    assert changes.usable()


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_off_every_lookup_reads_even_with_a_live_listener(
    alice, listener_live, settings
) -> None:
    settings.AFTERSALES_ACCOUNTS_CACHE = False
    _token, raw = token_create(user=alice, name="erp")
    for _ in range(3):
        found, n = _queries(lambda: token_lookup(raw=raw))
        assert found is not None and n == 1
    assert not changes.usable()


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_on_a_second_lookup_reads_nothing(alice, listener_live, settings) -> None:
    settings.AFTERSALES_ACCOUNTS_CACHE = True
    _token, raw = token_create(user=alice, name="erp")
    first, n_first = _queries(lambda: token_lookup(raw=raw))
    second, n_second = _queries(lambda: token_lookup(raw=raw))
    assert (n_first, n_second) == (1, 0)
    assert first is not None and second is not None and second is not first and second.pk == first.pk
