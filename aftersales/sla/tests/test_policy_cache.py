"""The per-process policy cache sees every change to a policy, its targets and its categories,
even a change stamped with a time behind the latest one (a mocked or set-back clock)."""

from __future__ import annotations

from aftersales.catalog.models import ProductCategory, ProductModel
from aftersales.customers.models import Unit
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPolicy, SlaTarget
from aftersales.testing.factories import UnitFactory

from .conftest import clock_at, sh


def _policy(sr) -> str:
    return RequestSla.objects.select_related("policy").get(request=sr).policy.name


def test_a_target_edit_reaches_the_next_request(make_request):
    first = make_request("complaint", sh(2025, 3, 10, 10))
    assert SlaClock.objects.get(request=first, metric=Metric.RESOLUTION).target_minutes == 24 * 60
    target = SlaTarget.objects.get(
        policy__name__startswith="投诉", policy__organization=first.organization, metric=Metric.RESOLUTION
    )
    with clock_at(sh(2020, 1, 1)):  # a save stamped long before the policies were made
        target.minutes = 48 * 60
        target.save()
    second = make_request("complaint", sh(2025, 3, 10, 10))
    assert SlaClock.objects.get(request=second, metric=Metric.RESOLUTION).target_minutes == 48 * 60
    target.delete()
    third = make_request("complaint", sh(2025, 3, 10, 10))
    assert not SlaClock.objects.filter(request=third, metric=Metric.RESOLUTION).exists()


def test_a_policy_edit_in_the_past_still_counts(make_request, org_a):
    assert _policy(make_request("consultation", sh(2025, 3, 10, 10))).startswith("咨询")
    policy = SlaPolicy.objects.get(organization=org_a, name__startswith="咨询")
    with clock_at(sh(2020, 1, 1)):
        policy.is_active = False
        policy.save()
    assert _policy(make_request("consultation", sh(2025, 3, 10, 10))).startswith("其他")
    policy.delete()
    assert _policy(make_request("consultation", sh(2025, 3, 10, 10))).startswith("其他")


def test_categories_added_removed_and_deleted(make_request, org_a, customer_a):
    fridges = ProductCategory.objects.create(organization=org_a, code="fridge", name="冰箱")
    other = ProductCategory.objects.create(organization=org_a, code="tv", name="电视")
    model = ProductModel.objects.create(
        organization=org_a,
        category=fridges,
        brand="晴川",
        model_number="BCD-1",
        whole_unit_months=12,
        main_parts_months=36,
        name="冰箱",
    )
    unit = UnitFactory(organization=org_a, customer=customer_a, product_model=model)

    def repair():
        return _policy(make_request("repair", sh(2025, 3, 10, 10), unit=unit, allow_duplicate=True))

    assert repair().startswith("上门服务")
    onsite = SlaPolicy.objects.get(organization=org_a, name__startswith="上门服务")
    onsite.product_categories.add(other)  # now only for TVs: the fridge falls through to 其他
    assert repair().startswith("其他")
    other.delete()  # no categories left: the policy covers every product again
    assert repair().startswith("上门服务")
    onsite.product_categories.add(fridges)
    onsite.product_categories.remove(fridges)
    assert repair().startswith("上门服务")


def test_the_category_is_read_whether_or_not_the_unit_came_with_its_model(make_request, org_a, customer_a):
    """The API hands ``request_create`` a unit with its product model loaded (no query for the
    category); the console and the portal may hand one without it (the category is read)."""
    fridges = ProductCategory.objects.create(organization=org_a, code="fridge", name="冰箱")
    model = ProductModel.objects.create(
        organization=org_a,
        category=fridges,
        brand="晴川",
        model_number="BCD-2",
        whole_unit_months=12,
        main_parts_months=36,
        name="冰箱",
    )
    unit = UnitFactory(organization=org_a, customer=customer_a, product_model=model)
    onsite = SlaPolicy.objects.get(organization=org_a, name__startswith="上门服务")
    onsite.product_categories.add(ProductCategory.objects.create(organization=org_a, code="tv", name="电视"))
    bare = Unit.objects.get(pk=unit.pk)
    assert "product_model" not in bare._state.fields_cache
    with_model = Unit.objects.select_related("product_model").get(pk=unit.pk)
    for given in (bare, with_model):
        assert _policy(
            make_request("repair", sh(2025, 3, 10, 10), unit=given, allow_duplicate=True)
        ).startswith("其他")
    onsite.product_categories.add(fridges)
    for given in (Unit.objects.get(pk=unit.pk), Unit.objects.select_related("product_model").get(pk=unit.pk)):
        assert _policy(
            make_request("repair", sh(2025, 3, 10, 10), unit=given, allow_duplicate=True)
        ).startswith("上门服务")
