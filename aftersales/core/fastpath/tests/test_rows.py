"""NewRows: rows of several models written together, with their ids, all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.core.fastpath import reads
from aftersales.core.fastpath.rows import NewRows, from_db, new, relate
from aftersales.core.fields import Ciphertext
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.notifications.models import OutboxMessage
from aftersales.service import services
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.sla.models import RequestSla
from aftersales.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _customer(org, name: str = "王芳") -> Customer:
    return Customer(organization=org, name=name, phone="13800001111", email="wf@example.com")


def _address(customer: Customer, detail: str) -> CustomerAddress:
    return CustomerAddress(
        customer=customer,
        province="广东省",
        city="深圳市",
        district="南山区",
        detail=detail,
        latitude=22.5,
        longitude=113.9,
        is_default=True,
    )


def _message(org, key: str) -> OutboxMessage:
    return OutboxMessage(
        organization=org,
        channel=OutboxMessage.Channel.EMAIL,
        dedupe_key=key,
        recipient="a@b.cn",
        subject="s",
        body="b",
        next_attempt_at=timezone.now(),
    )


def test_rows_of_several_models_are_written_with_their_ids_and_foreign_keys(org_a):
    rows = NewRows()
    with rows.atomic():
        customer = _customer(org_a)
        if not rows.reserve(customer):  # PostgreSQL gives the id now; elsewhere the row is saved first
            customer.save()
        first, second = _address(customer, "科技园1号"), _address(customer, "科技园2号")
        rows.add(first, second)
        rows.add(_message(org_a, "rows:1"), ignore_conflicts=True)
        rows.write()
    assert (
        customer.pk is not None and first.pk is not None and second.pk is not None and first.pk != second.pk
    )
    assert not first._state.adding
    stored = CustomerAddress.objects.filter(customer=customer).order_by("id")
    assert [(a.pk, a.detail) for a in stored] == [(first.pk, "科技园1号"), (second.pk, "科技园2号")]
    # the encrypted field went through its own preparation, and reads back as written
    assert Customer.objects.get(pk=customer.pk).phone == "13800001111"
    assert OutboxMessage.objects.filter(dedupe_key="rows:1").count() == 1
    assert len(rows) == 0  # written rows are not written twice


def test_a_conflict_is_skipped_only_where_asked(org_a):
    OutboxMessage.objects.bulk_create([_message(org_a, "rows:dup")])
    rows = NewRows()
    rows.add(_message(org_a, "rows:dup"), _message(org_a, "rows:new"), ignore_conflicts=True)
    rows.write()
    assert set(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == {"rows:dup", "rows:new"}
    rows.add(_message(org_a, "rows:dup"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.write()


def test_a_failing_write_leaves_none_of_its_rows(org_a):
    OutboxMessage.objects.bulk_create([_message(org_a, "rows:taken")])
    rows = NewRows()
    with pytest.raises(IntegrityError), transaction.atomic(), rows.atomic():
        customer = _customer(org_a, "李雷")
        if not rows.reserve(customer):
            customer.save()
        rows.add(_address(customer, "学府路3号"))
        rows.add(_message(org_a, "rows:taken"))  # the last row breaks the unique key
        rows.write()
    assert not Customer.objects.filter(name="李雷").exists()
    assert not CustomerAddress.objects.filter(detail="学府路3号").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement is PostgreSQL's path")
def test_postgresql_writes_everything_in_one_statement(org_a):
    rows = NewRows()
    customer = _customer(org_a)
    assert rows.reserve(customer)
    rows.add(_address(customer, "科技园1号"), _address(customer, "科技园2号"), _message(org_a, "rows:pg"))
    with CaptureQueriesContext(connection) as queries:
        rows.write()
    assert len(queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert sql.startswith("WITH") and sql.count("INSERT INTO") == 3
    assert CustomerAddress.objects.filter(customer_id=customer.pk).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the transaction is skipped on PostgreSQL only")
def test_postgresql_opens_no_transaction_for_a_one_statement_write():
    rows = NewRows()
    depth = len(connection.savepoint_ids)
    with rows.atomic():
        assert len(connection.savepoint_ids) == depth


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the hand-built parameters are PostgreSQL's path"
)
def test_postgresql_rows_hold_what_the_orm_would_have_written(org_a, alice):
    customer = CustomerFactory(organization=org_a)
    at = timezone.now() - timedelta(days=3)

    def request(number: str) -> ServiceRequest:
        # text, an encrypted field, a float, foreign keys by object, aware datetimes, a None,
        # defaults and an auto_now column
        return ServiceRequest(
            number=number,
            organization=org_a,
            customer=customer,
            created_by=alice,
            kind="repair",
            channel="phone",
            subject="不制冷",
            description="开机十分钟后停机",
            address_detail="科技路9号",
            latitude=22.5,
            created_at=at,
            preferred_start=at + timedelta(days=1),
        )

    by_orm = request("SR-T-1")
    by_orm.save(force_insert=True)
    rows = NewRows()
    by_rows = request("SR-T-2")
    rows.add(by_rows)
    rows.write()
    assert by_rows.pk is not None
    orm, written = (ServiceRequest.objects.filter(pk=pk).values().get() for pk in (by_orm.pk, by_rows.pk))
    for column in ("id", "number", "updated_at"):
        assert orm.pop(column) != written.pop(column)
    assert written == orm
    assert written["address_detail"] == "科技路9号" and written["created_by_id"] == alice.pk
    # the encrypted column holds ciphertext, not the address
    with connection.cursor() as cursor:
        cursor.execute("SELECT address_detail FROM service_servicerequest WHERE id = %s", [by_rows.pk])
        assert "科技路" not in cursor.fetchone()[0]


def test_a_row_pointing_at_an_unsaved_one_is_refused_as_save_refuses_it(org_a):
    customer = _customer(org_a)  # never saved, no id
    rows = NewRows()
    rows.add(_address(customer, "科技园9号"))
    with pytest.raises(ValueError, match="unsaved related object"), transaction.atomic():
        rows.write()
    assert not CustomerAddress.objects.filter(customer__organization=org_a).exists()


# ``new`` and ``from_db``: the hot path's rows built without Model.__init__, the same as with it.


def _same_instance(a, b) -> None:
    plain_a = {k: v for k, v in a.__dict__.items() if k != "_state"}
    plain_b = {k: v for k, v in b.__dict__.items() if k != "_state"}
    assert plain_a == plain_b
    assert a._state.adding == b._state.adding and a._state.db == b._state.db
    assert a._state.fields_cache == b._state.fields_cache


def test_new_builds_what_the_model_constructor_builds(org_a, alice):
    customer = CustomerFactory(organization=org_a)
    now = timezone.now()
    request_kwargs = {
        "organization": org_a,
        "customer": customer,
        "unit": None,
        "kind": "repair",
        "channel": "api",
        "description": "不制冷",
        "address_detail": "科技园1号",
        "latitude": 22.5,
        "created_by": alice,
        "created_at": now,
        "linked_to": None,
    }
    built, made = new(ServiceRequest, **request_kwargs), ServiceRequest(**request_kwargs)
    _same_instance(built, made)
    # Defaults filled in as the constructor fills them: a status, a version, an empty JSON dict
    # that is a fresh object on every instance.
    assert built.status == "new" and built.version == made.version and built.number == ""
    assert built.customer is customer and built.organization_id == org_a.pk and built.unit is None
    event_kwargs = {"request": built, "kind": "created", "actor": None, "created_at": now}
    first, second = new(RequestEvent, **event_kwargs), new(RequestEvent, **event_kwargs)
    _same_instance(first, RequestEvent(**event_kwargs))
    assert first.data == {} and first.data is not second.data
    # A key given by id, an unsaved related object (its id filled in when written).
    by_id = new(RequestEvent, request_id=123, kind="note", actor_id=alice.pk)
    _same_instance(by_id, RequestEvent(request_id=123, kind="note", actor_id=alice.pk))
    assert by_id.request_id == 123 and "request" not in by_id._state.fields_cache


def test_new_refuses_what_the_model_constructor_refuses(org_a):
    with pytest.raises(TypeError, match="no_such_field"):
        new(ServiceRequest, organization=org_a, no_such_field=1)
    with pytest.raises(ValueError, match="must be a"):
        new(ServiceRequest, organization=org_a, customer=org_a)  # an organization where a customer goes


def test_new_written_by_rows_reads_back_like_a_saved_one(org_a, alice):
    request = services.request_create(
        organization=org_a,
        customer=CustomerFactory(organization=org_a),
        by=alice,
        kind="consultation",
        channel="phone",
        description="滤网多久换？",
    )
    rows = NewRows()
    with rows.atomic():
        event = new(
            RequestEvent,
            request=request,
            kind="note",
            actor=alice,
            actor_label="alice",
            data={"k": [1, 2]},
            created_at=timezone.now(),
        )
        rows.add(event)
        rows.write()
    saved = RequestEvent.objects.get(pk=event.pk)
    assert (saved.request_id, saved.actor_id, saved.data, saved.kind) == (
        request.pk,
        alice.pk,
        {"k": [1, 2]},
        "note",
    )
    assert saved.public is True and event._state.adding is False


def test_reads_build_loaded_rows_as_the_orm_does(org_a):
    customer = CustomerFactory(organization=org_a)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {reads.columns(Customer, 'c')} FROM customers_customer c WHERE c.id = %s",  # noqa: S608
            [customer.pk],
        )
        row = cursor.fetchone()
    loaded, orm = reads.instance(Customer, row), Customer.objects.get(pk=customer.pk)
    assert type(loaded.__dict__["phone"]) is Ciphertext  # decrypted when first read, then the same
    assert loaded.phone == customer.phone
    _same_instance(loaded, orm)
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_new_sets_a_one_to_one_on_both_sides_as_the_constructor_does(org_a):
    request, other = ServiceRequest(organization=org_a), ServiceRequest(organization=org_a)
    built, made = (
        new(RequestSla, request=request, station_id=None),
        RequestSla(request=other, station_id=None),
    )
    assert request.sla is built and other.sla is made  # the reverse side knows its new row
    assert built.__dict__.keys() == made.__dict__.keys() and built.request is request


def test_relate_sets_a_loaded_row_as_assignment_does(org_a, alice):
    first, second = User.objects.get(pk=alice.pk), User.objects.get(pk=alice.pk)
    relate(first, "organization", org_a)
    second.organization = org_a
    _same_instance(first, second)
    assert first.organization is org_a
    with pytest.raises(ValueError, match="must be a"):
        relate(first, "organization", alice)  # the wrong model: the descriptor's own error


@isolate_apps("aftersales.customers")
def test_a_model_with_its_own_init_is_built_and_loaded_through_it():
    class Tracked(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "customers"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen = True

    class Plain(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "customers"

    assert new(Tracked, name="王芳").seen is True
    assert from_db(Tracked, "default", ["id", "name"], [1, "王芳"]).seen is True
    # The same model without its own __init__ takes the direct path and is still complete.
    plain = new(Plain, name="王芳")
    assert (plain.pk, plain.name, plain._state.adding) == (None, "王芳", True)
    loaded = from_db(Plain, "default", ["id", "name"], [1, "王芳"])
    assert (loaded.pk, loaded.name, loaded._state.adding, loaded._state.db) == (1, "王芳", False, "default")
