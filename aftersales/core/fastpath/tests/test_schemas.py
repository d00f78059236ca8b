"""``trusted`` gives the API the same answer as ninja's validation of the same object."""

from __future__ import annotations

import pytest
from ninja import Schema

from aftersales.core.fastpath.schemas import trusted
from aftersales.service import services
from aftersales.service.api import RequestOut
from aftersales.service.models import ServiceRequest
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_a_request_out_is_what_validation_gives_in_every_shape(org_a, alice, dave):
    customer = CustomerFactory(organization=org_a, name="王芳")
    address = AddressFactory(customer=customer, detail="科技路9号")
    unit = UnitFactory(organization=org_a, customer=customer)
    repair = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="不制冷",
        unit=unit,
        address=address,
    )
    linked = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="repair",
        channel="web",
        description="又坏了",
        unit=unit,
        link_to=repair,
        fulfilment="carry_in",
    )
    question = services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="consultation",
        channel="app",
        description="怎么清洗滤网？",
        fulfilment="mail_in",
    )
    services.request_assign(request=repair, assignee=dave, by=alice)
    merged = services.request_merge(source=question, target=linked, by=alice)
    shapes = [repair, linked, question, merged]
    for sr in [
        *shapes,
        *ServiceRequest.objects.filter(pk__in=[s.pk for s in shapes]),
    ]:  # as made, and read back
        fast = trusted(RequestOut, sr).model_dump()
        assert fast == RequestOut.model_validate(sr).model_dump()
    # the shapes did differ where the resolvers and dotted aliases matter
    read = {
        sr.pk: trusted(RequestOut, sr) for sr in ServiceRequest.objects.filter(pk__in=[s.pk for s in shapes])
    }
    assert read[repair.pk].assignee == "dave" and read[repair.pk].unit_serial == unit.serial_number
    assert read[linked.pk].linked_to == repair.number and read[question.pk].unit_serial is None
    assert read[question.pk].merged_into == linked.number and read[repair.pk].organization == org_a.slug
    assert "科技路" not in read[repair.pk].address  # masked, as the property gives it


def test_a_resolver_that_wants_more_than_the_object_is_refused() -> None:
    class Odd(Schema):
        x: int

        @staticmethod
        def resolve_x(obj: object, context: object) -> int:
            return 1

    with pytest.raises(TypeError, match="resolve_x"):
        trusted(Odd, object())
