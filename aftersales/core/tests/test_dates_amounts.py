from datetime import date
from decimal import Decimal

from aftersales.core.amounts import parse_amount
from aftersales.core.dates import add_months


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2026, 1, 15), 1) == date(2026, 2, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 10), 24) == date(2028, 5, 10)


def test_parse_amount_rounds_to_the_cent_and_names_what_is_wrong():
    errors: dict[str, str] = {}
    assert parse_amount("12.346", "price", errors) == Decimal("12.35")
    assert parse_amount("", "limit", errors, required=False) is None
    assert errors == {}

    assert parse_amount("", "price", errors) is None
    assert parse_amount("abc", "a", errors) is None
    assert parse_amount("-1", "b", errors) is None
    assert parse_amount("NaN", "c", errors) is None
    assert parse_amount("10000000000", "d", errors) is None
    assert set(errors) == {"price", "a", "b", "c", "d"}
