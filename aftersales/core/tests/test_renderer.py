"""The API's JSON renderer writes what ninja's own encoder would, value for value."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from aftersales.api import JsonRenderer
from aftersales.core.crypto import Sealed
from aftersales.service.models import Status


class Inner(Schema):
    at: datetime
    n: int


def test_every_kind_of_value_renders_as_ninjas_encoder_renders_it() -> None:
    sealed = Sealed("科技路9号")
    sealed.token = "gAAAA-ciphertext"
    payload = {
        "text": '不制冷 "quoted" \n new line',
        "n": 2**53 + 1,
        "f": 0.1,
        "none": None,
        "yes": True,
        "utc": datetime(2026, 11, 24, 8, 30, 15, 123456, tzinfo=UTC),
        "whole_second": datetime(2026, 11, 24, 8, 30, 15, tzinfo=UTC),
        "shanghai": datetime(2026, 11, 24, 16, 30, tzinfo=timezone(timedelta(hours=8))),
        "naive": datetime(2026, 1, 2, 3, 4, 5, 6000),
        "day": date(2026, 2, 28),
        "clock": time(9, 30, 0, 500000),
        "span": timedelta(hours=26, minutes=3),
        "money": Decimal("3999.00"),
        "id": uuid.UUID(int=42),
        "lazy": gettext_lazy("服务单"),
        "choice": Status.RESOLVED,
        "sealed": sealed,
        "schema": Inner(at=datetime(2026, 5, 1, tzinfo=UTC), n=3),
        "nested": [{"a": [1, 2, {"b": None}]}, []],
        7: "an int key",
    }
    ours = JsonRenderer().render(None, payload, response_status=200)
    theirs = json.dumps(payload, cls=NinjaJSONEncoder)
    assert json.loads(ours) == json.loads(theirs)
    assert '"utc":"2026-11-24T08:30:15.123Z"' in ours.decode()  # Django's format, not orjson's own
    assert "ciphertext" not in ours.decode() and "科技路9号" in ours.decode()  # the value, as UTF-8
