"""Factories for tests and benchmarks: realistic objects with few keystrokes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from aftersales.accounts.models import Organization, Role, User
from aftersales.catalog.models import ProductCategory, ProductModel, SparePart
from aftersales.core.crypto import phone_hash
from aftersales.customers.models import Customer, CustomerAddress, Unit


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"组织{n}")
    slug = factory.Sequence(lambda n: f"org{n}")
    kind = Organization.Kind.BRAND


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.AGENT
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("organization", "code")

    organization = factory.SubFactory(OrganizationFactory)
    code = "ac"
    name = "空调"
    kind = ProductCategory.Kind.GOODS
    whole_unit_months = 12
    main_parts_months = 36


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    organization = factory.SubFactory(OrganizationFactory)
    category = factory.SubFactory(CategoryFactory, organization=factory.SelfAttribute("..organization"))
    brand = "晴川"
    model_number = factory.Sequence(lambda n: f"KFR-{n:03d}")
    name = "变频空调"
    list_price = Decimal("3999.00")
    whole_unit_months = 12
    main_parts_months = 36


class SparePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SparePart

    organization = factory.SubFactory(OrganizationFactory)
    part_number = factory.Sequence(lambda n: f"P-{n:05d}")
    name = "压缩机"
    price = Decimal("680.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    phone_hash = factory.LazyAttribute(lambda c: phone_hash(c.phone))
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    tier = Customer.Tier.STANDARD


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAddress

    customer = factory.SubFactory(CustomerFactory)
    province = "北京市"
    city = "北京市"
    district = "朝阳区"
    detail = "建国路88号SOHO现代城3号楼1201"
    is_default = True


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organization = factory.SubFactory(OrganizationFactory)
    product_model = factory.SubFactory(
        ProductModelFactory, organization=factory.SelfAttribute("..organization")
    )
    customer = factory.SubFactory(CustomerFactory, organization=factory.SelfAttribute("..organization"))
    serial_number = factory.Sequence(lambda n: f"SN{n:010d}")
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    delivery_date = factory.LazyAttribute(lambda u: u.purchase_date + timedelta(days=2))
    invoice_number = factory.Sequence(lambda n: f"INV{n:08d}")
    invoice_amount = Decimal("3999.00")
    sales_channel = Unit.SalesChannel.ONLINE
