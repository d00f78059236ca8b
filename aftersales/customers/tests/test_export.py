"""CSV and XLSX exports of customers and units: columns, masking, audited full phones, reach."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from aftersales.core.models import RevealLog
from aftersales.customers import importing
from aftersales.customers.exporting import CUSTOMER_COLUMNS, UNIT_COLUMNS
from aftersales.customers.models import Customer
from aftersales.testing.factories import ProductModelFactory, UnitFactory

PHONE = "13812341234"


@pytest.fixture
def sold(org_a, org_b):
    unit = UnitFactory(
        organization=org_a,
        serial_number="SN-EXP-1",
        customer__name="王芳",
        customer__phone=PHONE,
        order_number="TM-1",
        store="天猫旗舰店",
    )
    UnitFactory(organization=org_b, serial_number="SN-BOLT", customer__name="乙方客户")
    return unit


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    if response["Content-Type"].startswith("text/csv"):
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff"), "a BOM so spreadsheet programs read UTF-8"
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        ["" if c is None else str(c) for c in row] for row in book.worksheets[0].iter_rows(values_only=True)
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_customer_export_has_the_columns_and_masked_phones(client_for, alice, sold, fmt):
    response = client_for(alice).get(f"/console/export/customers.{fmt}")

    rows = _rows(response)
    assert 'attachment; filename="customers-' in response["Content-Disposition"]
    assert rows[0] == CUSTOMER_COLUMNS
    assert len(rows) == 2, "org B's customer is not exported"
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["customer_name"], record["phone"], record["units"]) == ("王芳", "138****1234", "1")
    assert PHONE not in str(rows)
    assert RevealLog.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unit_export_has_the_importer_columns_and_masked_phones(client_for, alice, sold, fmt):
    rows = _rows(client_for(alice).get(f"/console/export/units.{fmt}"))

    assert rows[0] == UNIT_COLUMNS
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["serial_number"] == "SN-EXP-1"
    assert record["phone"] == "138****1234"
    assert (record["order_number"], record["store"], record["model_number"]) == (
        "TM-1",
        "天猫旗舰店",
        sold.product_model.model_number,
    )
    assert PHONE not in str(rows)


@pytest.mark.parametrize(("what", "fmt"), [("customers", "csv"), ("units", "xlsx")])
def test_reveal_export_by_a_permitted_user_has_full_phones_and_is_logged(client_for, alice, sold, what, fmt):
    rows = _rows(client_for(alice).get(f"/console/export/{what}.{fmt}", {"reveal": "1"}))

    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["phone"] == PHONE
    log = RevealLog.objects.get()
    assert (log.user, log.organization, log.object_type, log.field) == (
        alice,
        alice.organization,
        f"export:{what}",
        "phone",
    )
    assert log.reason


def test_reveal_export_by_a_user_who_may_not_reveal_stays_masked_and_unlogged(client_for, quinn, sold):
    rows = _rows(client_for(quinn).get("/console/export/customers.csv", {"reveal": "1"}))

    assert dict(zip(rows[0], rows[1], strict=True))["phone"] == "138****1234"
    assert RevealLog.objects.count() == 0


def test_export_follows_the_search(client_for, alice, sold):
    UnitFactory(organization=alice.organization, serial_number="SN-OTHER", customer__name="李雷")

    rows = _rows(client_for(alice).get("/console/export/units.csv", {"q": PHONE}))

    assert [r[UNIT_COLUMNS.index("serial_number")] for r in rows[1:]] == ["SN-EXP-1"]


@pytest.mark.parametrize("name", ["tina", "dave", "carol"])
def test_roles_without_export_get_404(request, client_for, sold, name):
    client = client_for(request.getfixturevalue(name))

    assert client.get("/console/export/customers.csv").status_code == 404
    assert client.get("/console/export/units.xlsx", {"reveal": "1"}).status_code == 404
    assert RevealLog.objects.count() == 0


def test_unit_export_reimports_into_another_organization(client_for, alice, sold, org_b):
    # The exporter writes the importer's columns: a revealed unit export is a valid import file.
    ProductModelFactory(organization=org_b, model_number=sold.product_model.model_number)
    response = client_for(alice).get("/console/export/units.csv", {"reveal": "1"})
    content = b"".join(response.streaming_content)

    result = importing.import_sales(
        organization=org_b, source=io.BytesIO(content), filename="units.csv", mode="good_only"
    )

    assert result.committed and result.errors == []
    assert result.units_created == 1


FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("name", FORMULAS)
def test_a_name_that_looks_like_a_formula_is_text_in_the_csv(client_for, alice, org_a, name):
    UnitFactory(organization=org_a, customer__name=name, customer__phone=PHONE)
    response = client_for(alice).get("/console/export/customers.csv")
    rows = _rows(response)
    assert rows[1][1] == "'" + name, "an apostrophe makes spreadsheet programs read text"


def test_xlsx_cells_are_strings_never_formulas(client_for, alice, org_a):
    UnitFactory(organization=org_a, customer__name=FORMULAS[0], customer__phone=PHONE)
    response = client_for(alice).get("/console/export/customers.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    cell = book.worksheets[0]["B2"]
    assert cell.data_type == "s"
    assert cell.value == FORMULAS[0], "XLSX keeps the text exactly as typed"


def test_a_neutralized_export_reimports_with_the_name_as_typed(client_for, alice, org_a, org_b):
    unit = UnitFactory(organization=org_a, customer__name="=1+1 王", customer__phone=PHONE)
    ProductModelFactory(organization=org_b, model_number=unit.product_model.model_number)
    content = b"".join(client_for(alice).get("/console/export/units.csv", {"reveal": "1"}).streaming_content)
    assert b"'=1+1" in content

    result = importing.import_sales(
        organization=org_b, source=io.BytesIO(content), filename="units.csv", mode="good_only"
    )

    assert result.committed and result.errors == []
    assert Customer.objects.get(organization=org_b).name == "=1+1 王"
