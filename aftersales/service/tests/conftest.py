"""Fixtures for the service app's tests: Carol's unit at Acme and a request she opened on it."""

from __future__ import annotations

import pytest

from aftersales.service.models import ServiceRequest
from aftersales.service.tests.support import open_request
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory


@pytest.fixture
def carols_unit(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    return UnitFactory(organization=org_a, customer=customer, serial_number="SN-CAROL-1")


@pytest.fixture
def sr(carols_unit) -> ServiceRequest:
    return open_request(carols_unit)
