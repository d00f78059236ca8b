"""Pins of the private Django APIs the fast path relies on (listed in ``../README.md``).

Each test fails when Django changes the behaviour the fast path assumes, on any database (the
PostgreSQL ones build a PostgreSQL connection object without connecting). The tests beside
this one check the fast path's results against the ORM's; these check the assumptions
themselves, so that an upgrade says which one broke.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import Organization
from aftersales.core.fastpath import rows
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.sla.models import RequestSla, SlaClock

HOT_MODELS = (ServiceRequest, RequestEvent, RequestSla, SlaClock, OutboxMessage)


def _postgres() -> BaseDatabaseWrapper:
    return PostgresWrapper(
        {
            "NAME": "pin",
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "OPTIONS": {},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        "pin",
    )


def test_model_classes_hold_the_descriptors_new_sets_around() -> None:
    # ``_build_plan`` writes a plain field's value into __dict__ only when its class attribute is
    # a plain DeferredAttribute, and a relation's key when it is ForeignKeyDeferredAttribute.
    for model in HOT_MODELS:
        for f in model._meta.concrete_fields:
            attr = model.__dict__.get(f.attname)
            if f.is_relation:
                assert type(attr) is ForeignKeyDeferredAttribute, (model, f.name)
                expected = ForwardOneToOneDescriptor if f.one_to_one else ForwardManyToOneDescriptor
                assert type(model.__dict__.get(f.name)) is expected, (model, f.name)
            else:
                assert isinstance(attr, DeferredAttribute), (model, f.name)


def test_the_hot_models_take_the_fast_plan() -> None:
    # A Django change to any of the above silently sends every create through Model.__init__.
    for model in HOT_MODELS:
        assert rows._build_plan(model) is not None, model
        assert model.__init__ is Model.__init__


def test_get_default_is_the_default_callable_of_a_field() -> None:
    f = ServiceRequest._meta.get_field("version")
    assert f._get_default() == f.get_default() == 1
    uses_callable = next(
        f for m in HOT_MODELS for f in m._meta.fields if f.has_default() and callable(f.default)
    )
    assert callable(uses_callable._get_default)
    assert type(uses_callable._get_default()) is type(uses_callable.default())


def test_model_state_keeps_db_adding_and_the_related_cache() -> None:
    state = ModelState()
    assert (state.db, state.adding, state.fields_cache) == (None, True, {})
    org = Organization(pk=1, name="x", slug="x")
    org._state.db = "default"
    request = ServiceRequest(organization=org)
    # the key ``_link`` and ``_needs_related_prep`` use for the related-object cache
    cache_name = ServiceRequest._meta.get_field("organization").cache_name
    assert request._state.fields_cache == {cache_name: org} and cache_name == "organization"


def test_without_routers_the_router_list_is_empty() -> None:
    # ``new`` and ``relate`` go through the descriptors whenever a router is configured.
    assert router.routers == []


def test_pre_save_of_a_plain_field_reads_its_attribute() -> None:
    # ``_plan`` skips ``pre_save`` for fields whose class keeps Field's or the date fields' own.
    event = RequestEvent(reason="r", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert RequestEvent._meta.get_field("reason").pre_save(event, True) == "r"
    f = RequestEvent._meta.get_field("created_at")
    assert type(f).pre_save in (models.DateTimeField.pre_save, Field.pre_save)
    assert f.pre_save(event, True) == datetime(2026, 1, 1, tzinfo=UTC)
    auto = ServiceRequest._meta.get_field("updated_at")
    assert auto.auto_now
    request = ServiceRequest()
    assert auto.pre_save(request, True) is not None  # auto_now sets it: kept in the plan


_SAMPLES: dict[type, Any] = {str: "text", int: 7, bool: True, float: 1.5}


def test_on_postgresql_the_values_passed_as_they_are_are_what_get_db_prep_save_gives() -> None:
    pg = _postgres()
    fields: list[Field[Any, Any]] = [f for m in HOT_MODELS for f in m._meta.concrete_fields]
    checked = set()
    for f in fields:
        kinds = rows._AS_IS.get(type(f))
        if kinds is None:
            continue
        checked.add(type(f))
        for kind in kinds:
            value = _SAMPLES[kind]
            prepared = f.get_db_prep_save(value, pg)
            # The same value; integers come wrapped in psycopg's Int2/Int4/Int8 (a hint of the
            # parameter's type, which the server casts to the column's anyway): README.md.
            assert prepared == value and isinstance(prepared, kind), (f, value)
            assert type(prepared) is kind or (
                kind is int and type(prepared).__module__ == "psycopg.types.numeric"
            )
        if f.null:
            assert f.get_db_prep_save(None, pg) is None, f
    assert {models.CharField, models.ForeignKey, models.DateTimeField} <= checked
    # An aware datetime goes to PostgreSQL's adapter unchanged (``_pg_values``).
    at = datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert RequestEvent._meta.get_field("created_at").get_db_prep_save(at, pg) is at
    assert isinstance(models.DateField().get_db_prep_save(date(2026, 1, 1), pg), date)


def test_related_prep_for_save_refuses_an_unsaved_parent() -> None:
    # ``NewRows.write`` calls it for rows pointing at a parent given before it had an id.
    request = ServiceRequest(organization=Organization(name="x", slug="x"))
    with pytest.raises(ValueError, match="unsaved related object"):
        request._prepare_related_fields_for_save(operation_name="NewRows.write")


@pytest.mark.django_db
def test_the_connection_says_when_it_records_and_wraps() -> None:
    # ``cursors.kept`` and ``NewRows.write`` take Django's ordinary path whenever these say so.
    assert connection.execute_wrappers == []
    assert not connection.queries_logged
    with CaptureQueriesContext(connection):
        assert connection.queries_logged
    for name in ("_prepare_cursor", "wrap_database_errors", "ensure_connection", "get_connection_params"):
        assert hasattr(BaseDatabaseWrapper, name) or hasattr(connection, name), name
    with connection.cursor() as cursor:
        assert cursor.cursor is not None  # CursorWrapper.cursor: the driver's cursor beneath


def test_every_unconstrained_foreign_key_is_listed_here() -> None:
    # given: the README's table of foreign keys without a database constraint
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Foreign keys without a database constraint", 1)[1]
    listed = set(re.findall(r"^\| `([\w.]+)` \|", section, re.MULTILINE))
    # when: every such key of every model
    found = {
        f"{m._meta.app_label}.{m.__name__}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if getattr(f, "db_constraint", True) is False and f.concrete
    }
    # then
    assert found == listed


def test_a_detached_copy_shares_no_state_with_its_original() -> None:
    org = Organization(pk=1, name="x", slug="x")
    org._state.db, org._state.adding = "default", False
    copy = rows.detached_copy(org)
    copy.name = "y"
    assert org.name == "x" and copy.pk == 1
    assert copy._state is not org._state and (copy._state.db, copy._state.adding) == ("default", False)
