"""Fixtures for the customers app's tests."""

from __future__ import annotations

import pytest

from aftersales.customers import services


@pytest.fixture
def existing(alice):
    """An existing customer of Alice's organization, 李雷 on 13912345678."""
    return services.customer_create(
        organization=alice.organization, by=alice, name="李雷", phone="13912345678"
    )
