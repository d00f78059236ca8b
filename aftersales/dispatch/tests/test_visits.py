"""The technician's visit: check-in, repair record, parts covered or charged, signature, resolved."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from PIL import Image

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.dispatch import booking, charges, visits
from aftersales.dispatch.models import Appointment, RepairRecord
from aftersales.service.models import Attachment, Status
from aftersales.testing.factories import SparePartFactory

from .conftest import field_request, make_technician, tomorrow_at

pytestmark = pytest.mark.django_db


def signature_png() -> bytes:
    image = Image.new("RGBA", (120, 40), (0, 0, 0, 0))
    for x in range(10, 110):
        image.putpixel((x, 20), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def visit_for(org, customer, model, *, days_old: int = 60) -> Appointment:
    sr = field_request(org, customer, model, purchased_days_ago=days_old)
    return booking.appointment_book(request=sr, start=tomorrow_at(10), by=None)


@pytest.fixture(params=["entitlement", "catalogue"])
def coverage_source(request, monkeypatch):
    """Both ways of deciding coverage: the entitlement engine, and the catalogue's warranty months."""
    if request.param == "catalogue":
        monkeypatch.setattr(charges, "COVER_CHECKS", [])
    return request.param


def test_in_warranty_parts_and_labour_are_covered(
    org_a, carol_customer, ac_model, parts, tina_tech, coverage_source
):
    appointment = visit_for(org_a, carol_customer, ac_model, days_old=60)
    visits.visit_check_in(appointment=appointment, by=tina_tech.user)
    visits.repair_record_update(
        appointment=appointment, by=tina_tech.user, diagnosis="遥控器损坏", labour_minutes=30
    )
    usage = visits.part_usage_add(appointment=appointment, by=tina_tech.user, part=parts["remote"].pk)
    record = RepairRecord.objects.get(appointment=appointment)
    assert usage.covered and usage.charge == Decimal("0.00")
    assert record.charge_total == Decimal("0.00") and record.coverage == RepairRecord.Coverage.COVERED
    assert record.labour_cost == Decimal("60.00")  # what it costs the organization, kept for analysis


def test_out_of_warranty_the_customer_pays_but_a_main_part_still_in_its_term_is_covered(
    org_a, carol_customer, ac_model, parts, tina_tech, coverage_source
):
    # 500 days: past the 12-month whole-unit term, inside the 36-month main-parts term
    appointment = visit_for(org_a, carol_customer, ac_model, days_old=500)
    visits.visit_check_in(appointment=appointment, by=tina_tech.user)
    visits.repair_record_update(
        appointment=appointment, by=tina_tech.user, diagnosis="压缩机不启动", labour_minutes=90
    )
    compressor = visits.part_usage_add(
        appointment=appointment, by=tina_tech.user, part="AC-COMP", serial_in="CMP-9"
    )
    remote = visits.part_usage_add(
        appointment=appointment, by=tina_tech.user, part=parts["remote"], quantity=2
    )
    record = RepairRecord.objects.get(appointment=appointment)
    assert compressor.covered and compressor.charge == Decimal("0.00") and compressor.serial_in == "CMP-9"
    assert not remote.covered and remote.charge == Decimal("120.00") and remote.basis
    assert record.charge_labour == Decimal("180.00") and record.charge_visit == Decimal("50.00")
    assert record.charge_total == Decimal("350.00") and record.coverage == RepairRecord.Coverage.PARTLY
    assert record.parts_cost == Decimal("1100.00")


def test_the_full_visit_resolves_the_request_with_the_signature_kept(
    org_a, carol_customer, ac_model, parts, tina_tech
):
    appointment = visit_for(org_a, carol_customer, ac_model)
    visits.visit_check_in(appointment=appointment, by=tina_tech.user, latitude="31.25", longitude="121.5")
    appointment.refresh_from_db()
    assert appointment.request.status == Status.IN_PROGRESS and appointment.checked_in_latitude == 31.25
    visits.repair_record_update(
        appointment=appointment,
        by=tina_tech.user,
        fault_code="E1",
        diagnosis="缺氟",
        cause="管路渗漏",
        labour_minutes=45,
    )
    record = visits.visit_complete(
        appointment=appointment, by=tina_tech.user, signature=signature_png(), signed_by="王卡罗"
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.DONE and appointment.checked_out_at is not None
    assert appointment.request.status == Status.RESOLVED
    assert record.first_time_fix is True and record.signed_by == "王卡罗" and record.completed_at is not None
    assert Attachment.objects.get(pk=record.signature_id).content_type == "image/png"
    assert record.travel_km > 0 and record.travel_minutes > 0


def test_a_visit_cannot_be_completed_without_diagnosis_or_signature(
    org_a, carol_customer, ac_model, tina_tech
):
    appointment = visit_for(org_a, carol_customer, ac_model)
    with pytest.raises(Conflict, match="签到"):
        visits.repair_record_update(appointment=appointment, by=tina_tech.user, diagnosis="x")
    visits.visit_check_in(appointment=appointment, by=tina_tech.user)
    with pytest.raises(InvalidInput) as excinfo:
        visits.visit_complete(appointment=appointment, by=tina_tech.user, signature=b"", signed_by="")
    assert {"signature", "signed_by"} <= set(excinfo.value.errors)
    with pytest.raises(InvalidInput, match="故障诊断"):
        visits.visit_complete(
            appointment=appointment, by=tina_tech.user, signature=signature_png(), signed_by="王"
        )
    with pytest.raises(InvalidInput):
        visits.decode_signature("data:image/png;base64,@@@not-base64")
    with pytest.raises(InvalidInput):
        visits.visit_check_in(appointment=appointment, by=tina_tech.user, latitude="91", longitude="0")


def test_bad_part_input_is_refused(org_a, carol_customer, ac_model, parts, tina_tech, org_b):
    foreign = SparePartFactory(organization=org_b, part_number="B-1")
    appointment = visit_for(org_a, carol_customer, ac_model)
    visits.visit_check_in(appointment=appointment, by=tina_tech.user)
    for part, qty in ((foreign.pk, 1), ("NOPE", 1), (parts["remote"].pk, 0), (parts["remote"].pk, "x")):
        with pytest.raises(InvalidInput):
            visits.part_usage_add(appointment=appointment, by=tina_tech.user, part=part, quantity=qty)


def test_only_the_assigned_technician_works_the_visit(
    org_a, station, carol_customer, ac_model, tina_tech, alice
):
    other = make_technician(org_a, station, "other")
    appointment = visit_for(org_a, carol_customer, ac_model)
    assert appointment.technician == tina_tech
    for user in (other.user, alice):
        with pytest.raises(PermissionDenied):
            visits.visit_check_in(appointment=appointment, by=user)


def test_waiting_for_parts_ends_the_visit_and_a_return_visit_resumes_it(
    org_a, carol_customer, ac_model, tina_tech
):
    appointment = visit_for(org_a, carol_customer, ac_model)
    visits.visit_check_in(appointment=appointment, by=tina_tech.user)
    record = visits.visit_wait_for_parts(appointment=appointment, by=tina_tech.user, reason="需要主控板")
    request = appointment.request
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PARTS and record.first_time_fix is False
    again = booking.appointment_book(request=request, start=tomorrow_at(14), by=None)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PARTS  # booked without moving it
    visits.visit_check_in(appointment=again, by=tina_tech.user)
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_signature_data_url_round_trip():
    png = signature_png()
    assert visits.decode_signature("data:image/png;base64," + base64.b64encode(png).decode()) == png
