"""How personal data is masked on screen."""

from __future__ import annotations

import pytest

from aftersales.core.masking import mask_address, mask_email, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("01087654321", "010****4321"),
        ("1234567", "123****4567"),
        ("123456", "****56"),
        ("12", "12"),
        ("1", "1"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_masked_phone_never_contains_the_middle_digits():
    assert "5678" not in mask_phone("13856781234")


@pytest.mark.parametrize(
    ("region", "detail", "masked"),
    [
        ("北京市朝阳区", "建国路88号", "北京市朝阳区****"),
        ("广东省深圳市南山区", "科技园路1号A座", "广东省深圳市南山区****"),
        ("上海市", "", "上海市"),
    ],
)
def test_mask_address(region, detail, masked):
    assert mask_address(region, detail) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199003071234", "110101********1234"),
        ("11010119900307123X", "110101********123X"),
        ("110101900307123", "110101*****7123"),
        ("E12345678", "*********"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked
    assert len(mask_id_number(value)) == len(value)


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("wang.fang@example.com", "w***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("@example.com", "@example.com"),
        ("not-an-email", "not-an-email"),
        ("", ""),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked
