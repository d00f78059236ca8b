"""Bulk sales import: CSV and XLSX, all-or-nothing or good rows only, errors by line, queued from the console."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from aftersales.customers import importing
from aftersales.customers.models import Customer, ImportJob, Unit
from aftersales.jobs.models import Job
from aftersales.jobs.runner import run_pending
from aftersales.testing.factories import ProductModelFactory, UnitFactory

HEADER = (
    "customer_name,phone,email,province,city,district,address,model_number,serial_number,"
    "purchase_date,delivery_date,invoice_number,invoice_amount,sales_channel,store,order_number"
)
GOOD_ROWS = [
    "王芳,13812341234,wang@example.com,北京市,北京市,朝阳区,建国路88号,KFR-35GW,SN-0001,2024-03-01,2024-03-03,"
    "INV-1,3999.00,online,天猫旗舰店,TM-1",
    '王芳,138 1234 1234,,北京市,北京市,朝阳区,建国路88号,KFR-50LW,SN-0002,2024/03/05,,INV-2,"5,299",线上,,TM-2',
    "李雷,13900001111,,上海市,上海市,浦东新区,世纪大道1号,kfr-35gw,SN-0003,2024年4月1日,,INV-3,¥2999,线下,门店A,",
]


@pytest.fixture
def models(org_a):
    return (
        ProductModelFactory(organization=org_a, model_number="KFR-35GW"),
        ProductModelFactory(organization=org_a, model_number="KFR-50LW"),
    )


def _csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO("\n".join([header, *rows]).encode(encoding))


def _import(org, source, filename="sales.csv", mode="all_or_nothing"):
    return importing.import_sales(organization=org, source=source, filename=filename, mode=mode)


def _errors(result) -> list[tuple[int, str]]:
    return [(e.line, e.field) for e in result.errors]


def test_good_csv_imports_customers_addresses_and_units(org_a, models):
    result = _import(org_a, _csv(*GOOD_ROWS))

    assert result.committed
    assert (result.total_rows, result.good_rows, result.errors) == (3, 3, [])
    assert (result.customers_created, result.units_created) == (2, 3)
    wang = Customer.objects.get(name="王芳")
    assert wang.phone == "13812341234" and wang.email == "wang@example.com"
    assert wang.addresses.get().full == "北京市朝阳区建国路88号"
    units = {u.serial_number: u for u in Unit.objects.select_related("customer", "product_model")}
    assert units["SN-0001"].customer == wang and units["SN-0002"].customer == wang
    assert units["SN-0001"].delivery_date == date(2024, 3, 3)
    assert units["SN-0002"].purchase_date == date(2024, 3, 5)
    assert units["SN-0002"].invoice_amount == Decimal("5299.00")
    assert units["SN-0002"].product_model == models[1]
    assert units["SN-0003"].purchase_date == date(2024, 4, 1)
    assert units["SN-0003"].product_model == models[0]  # model numbers match whatever their case
    assert (units["SN-0003"].sales_channel, units["SN-0003"].invoice_amount) == (
        "offline",
        Decimal("2999.00"),
    )
    assert units["SN-0001"].organization == org_a


def test_import_matches_existing_customers_by_phone(org_a, models):
    existing = UnitFactory(organization=org_a, customer__phone="13812341234", customer__name="老王").customer

    result = _import(org_a, _csv(GOOD_ROWS[0]))

    assert (result.customers_matched, result.customers_created) == (1, 0)
    assert Unit.objects.get(serial_number="SN-0001").customer == existing


def test_good_xlsx_imports(org_a, models):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "型号", "序列号", "购买日期", "签收日期", "发票金额", "销售渠道", "备注"])
    sheet.append(
        [
            "王芳",
            "13812341234",
            "KFR-35GW",
            "SN-X1",
            datetime(2024, 3, 1),
            date(2024, 3, 2),
            3999,
            "线上",
            "VIP",
        ]
    )
    sheet.append(["李雷", 13900001111, "KFR-50LW", "SN-X2", "2024-03-05", None, 5299.5, "offline", None])
    sheet.append([None] * 9)  # trailing blank rows are common in spreadsheets
    out = io.BytesIO()
    book.save(out)
    out.seek(0)

    result = _import(org_a, out, filename="sales.xlsx")

    assert result.committed, result.errors
    assert (result.total_rows, result.units_created) == (2, 2)
    assert result.ignored_columns == ["备注"]
    first = Unit.objects.get(serial_number="SN-X1")
    second = Unit.objects.get(serial_number="SN-X2")
    assert (first.purchase_date, first.delivery_date) == (date(2024, 3, 1), date(2024, 3, 2))
    assert second.customer.phone == "13900001111"
    assert second.invoice_amount == Decimal("5299.50")


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(org_a, models):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    rows = [
        GOOD_ROWS[0],  # line 2
        ",13800000000,,,,,,KFR-35GW,SN-1,2024-01-01,,,,,,",  # line 3: no name
        "张三,12345,,,,,,KFR-35GW,SN-2,2024-01-01,,,,,,",  # line 4: phone
        "张三,13800000001,,,,,,NOPE-1,SN-3,2024-01-01,,,,,,",  # line 5: model
        "张三,13800000002,,,,,,KFR-35GW,SN-4,01/02/2024,,,,,,",  # line 6: date format
        "张三,13800000003,,,,,,KFR-35GW,SN-5,2024-03-01,2024-02-01,,,,,",  # line 7: delivery
        f"张三,13800000004,,,,,,KFR-35GW,SN-6,{tomorrow},,,,,,",  # line 8: future
        "张三,13800000005,bad-mail,,,,,KFR-35GW,SN-7,2024-01-01,,,abc,tv,,",  # line 9: three fields
        "张三,13800000006,,,,,,KFR-35GW,,2024-01-01,,,,,,",  # line 10: serial
    ]

    result = _import(org_a, _csv(*rows))

    assert not result.committed
    assert _errors(result) == [
        (3, "customer_name"),
        (4, "phone"),
        (5, "model_number"),
        (6, "purchase_date"),
        (7, "delivery_date"),
        (8, "purchase_date"),
        (9, "invoice_amount"),
        (9, "sales_channel"),
        (9, "email"),
        (10, "serial_number"),
    ]
    assert "NOPE-1" in result.errors[2].reason
    assert (result.total_rows, result.good_rows) == (9, 1)
    assert Unit.objects.count() == 0 and Customer.objects.count() == 0


def test_good_only_imports_the_good_rows_and_reports_the_bad(org_a, models):
    rows = [GOOD_ROWS[0], "张三,12345,,,,,,KFR-35GW,SN-2,2024-01-01,,,,,,", GOOD_ROWS[2]]

    result = _import(org_a, _csv(*rows), mode="good_only")

    assert result.committed
    assert _errors(result) == [(3, "phone")]
    assert sorted(Unit.objects.values_list("serial_number", flat=True)) == ["SN-0001", "SN-0003"]
    assert result.units_created == 2


def test_missing_required_column_is_a_file_error(org_a, models):
    with pytest.raises(importing.ImportFileError, match="serial_number"):
        _import(org_a, _csv("王芳,13812341234,KFR-35GW,2024-01-01", header="姓名,手机号,型号,购买日期"))
    assert Unit.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "sales.csv", "空"),
        ("\n".join([HEADER, "", ",,,"]).encode(), "sales.csv", "没有数据行"),
        (HEADER.encode(), "sales.csv", "没有数据行"),
        (b"not a spreadsheet", "sales.xlsx", "XLSX"),
        (b"%PDF-1.4", "sales.pdf", "CSV"),
        ("姓名,手机号".encode("utf-16"), "sales.csv", "编码"),
    ],
)
def test_unreadable_files_are_file_errors(org_a, models, content, filename, message):
    with pytest.raises(importing.ImportFileError, match=message):
        _import(org_a, io.BytesIO(content), filename=filename)


def test_gbk_csv_with_chinese_headers(org_a, models):
    header = "订单编号,收货人,收货人手机,省份,城市,区县,收货地址,产品型号,机身编码,下单时间,签收时间,发票号码,实付金额,渠道,店铺"
    rows = [
        "TM-9,赵敏,13700001111,广东省,深圳市,南山区,科技园路1号,KFR-35GW,SN-GBK-1,2024-05-01,2024-05-03,INV-9,1999,网店,京东自营"
    ]

    result = _import(org_a, _csv(*rows, header=header, encoding="gbk"))

    assert result.committed, result.errors
    assert result.ignored_columns == []
    unit = Unit.objects.select_related("customer").get()
    assert (unit.serial_number, unit.order_number, unit.store, unit.sales_channel) == (
        "SN-GBK-1",
        "TM-9",
        "京东自营",
        "online",
    )
    assert unit.customer.name == "赵敏"
    assert unit.customer.addresses.get().full == "广东省深圳市南山区科技园路1号"


def test_duplicate_serials_inside_the_file(org_a, models):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0].replace("13812341234", "13600000000")]

    result = _import(org_a, _csv(*rows))

    assert _errors(result) == [(4, "serial_number")]
    assert "2" in result.errors[0].reason  # points at the first line with that serial
    assert Unit.objects.count() == 0


def test_same_serial_for_two_models_in_one_file_is_fine(org_a, models):
    result = _import(org_a, _csv(GOOD_ROWS[0], GOOD_ROWS[1].replace("SN-0002", "SN-0001")))

    assert result.committed
    assert Unit.objects.filter(serial_number="SN-0001").count() == 2


def test_reimporting_the_same_file_reports_serials_already_registered(org_a, models):
    assert _import(org_a, _csv(*GOOD_ROWS)).committed

    again = _import(org_a, _csv(*GOOD_ROWS))

    assert not again.committed
    assert _errors(again) == [(2, "serial_number"), (3, "serial_number"), (4, "serial_number")]
    assert "SN-0001" in again.errors[0].reason
    assert Unit.objects.count() == 3 and Customer.objects.count() == 2


def test_import_only_sees_the_importing_organizations_models_and_serials(org_a, org_b, models):
    # org B registered the same serial on its own model with the same number: not a clash for org A
    theirs = ProductModelFactory(organization=org_b, model_number="KFR-35GW")
    UnitFactory(organization=org_b, product_model=theirs, serial_number="SN-0001")
    ProductModelFactory(organization=org_b, model_number="ONLY-IN-B")

    result = _import(
        org_a, _csv(GOOD_ROWS[0], "张三,13800000009,,,,,,ONLY-IN-B,SN-9,2024-01-01,,,,,,"), mode="good_only"
    )

    assert _errors(result) == [(3, "model_number")]
    assert Unit.objects.get(organization=org_a).product_model == models[0]


def test_a_hundred_thousand_rows_import_fully(org_a, models, tmp_path):
    """Correctness at size; the speed is benchmarks/import_sales.py's to measure, not a timed test."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("姓名,手机号,型号,序列号,购买日期,发票金额\n")
        for i in range(100_000):
            # 50,000 customers with two units each
            fh.write(
                f"客户{i // 2},139{i // 2:08d},KFR-35GW,BIG{i:07d},2024-01-{i % 28 + 1:02d},{1000 + i % 500}\n"
            )
    result = importing.import_sales(organization=org_a, source=path, filename=path.name)

    assert result.committed, result.errors[:5]
    assert Unit.objects.filter(organization=org_a).count() == 100_000
    assert Customer.objects.filter(organization=org_a).count() == 50_000
    assert Unit.objects.get(serial_number="BIG0099999").customer.phone == "13900049999"


# --- through the console and the job queue -----------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, content: bytes, name="sales.csv", mode="all_or_nothing"):
    return client.post("/console/imports/", {"file": SimpleUploadedFile(name, content), "mode": mode})


def test_console_upload_queues_a_job_that_imports(client_for, olga, models, media):
    client = client_for(olga)

    response = _upload(client, "\n".join([HEADER, *GOOD_ROWS]).encode())

    record = ImportJob.objects.get()
    assert response["Location"] == f"/console/imports/{record.pk}/"
    assert record.status == ImportJob.Status.QUEUED
    assert Job.objects.filter(name="customers.import_sales", status=Job.Status.QUEUED).count() == 1
    assert Unit.objects.count() == 0

    assert run_pending() == 1

    record.refresh_from_db()
    assert record.status == ImportJob.Status.DONE
    assert record.result["units_created"] == 3 and record.total == 3
    assert Unit.objects.count() == 3
    page = client.get(f"/console/imports/{record.pk}/").content.decode()
    assert 'data-status="done"' in page and '<strong id="units-created">3</strong>' in page
    # running the queue again imports nothing twice
    assert run_pending() == 0
    assert Unit.objects.count() == 3


def test_console_upload_with_bad_rows_shows_their_lines_and_imports_nothing(client_for, olga, models, media):
    client = client_for(olga)
    _upload(
        client, "\n".join([HEADER, GOOD_ROWS[0], "张三,12345,,,,,,KFR-35GW,SN-2,2024-01-01,,,,,,"]).encode()
    )

    run_pending()

    record = ImportJob.objects.get()
    assert record.status == ImportJob.Status.REJECTED
    assert record.errors == [{"line": 3, "field": "phone", "reason": record.errors[0]["reason"]}]
    page = client.get(f"/console/imports/{record.pk}/").content.decode()
    assert "<tr><td>3</td><td>phone</td>" in page
    assert Unit.objects.count() == 0


def test_console_upload_good_only(client_for, olga, models, media):
    client = client_for(olga)
    _upload(
        client,
        "\n".join([HEADER, GOOD_ROWS[0], "张三,12345,,,,,,KFR-35GW,SN-2,2024-01-01,,,,,,"]).encode(),
        mode="good_only",
    )

    run_pending()

    record = ImportJob.objects.get()
    assert record.status == ImportJob.Status.DONE
    assert [e["line"] for e in record.errors] == [3]
    assert list(Unit.objects.values_list("serial_number", flat=True)) == ["SN-0001"]


def test_console_upload_with_missing_columns_is_rejected_with_a_file_error(client_for, olga, models, media):
    client = client_for(olga)
    _upload(client, "姓名,手机号\n王芳,13812341234\n".encode())

    run_pending()

    record = ImportJob.objects.get()
    assert record.status == ImportJob.Status.REJECTED
    assert record.errors[0]["field"] == "file"
    assert "model_number" in record.errors[0]["reason"]
    assert "model_number" in client.get(f"/console/imports/{record.pk}/").content.decode()


@pytest.mark.parametrize(("content", "name"), [(b"", "sales.csv"), (b"x,y\n", "sales.pdf")])
def test_console_refuses_empty_or_foreign_files_before_queueing(client_for, olga, media, content, name):
    response = _upload(client_for(olga), content, name=name)

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0 and Job.objects.count() == 0


def test_import_pages_are_for_roles_that_may_import(client_for, alice, olga, oscar, models, media):
    _upload(client_for(olga), "\n".join([HEADER, *GOOD_ROWS]).encode())
    record = ImportJob.objects.get()

    assert client_for(alice).get("/console/imports/").status_code == 404
    assert _upload(client_for(alice), b"a,b\n1,2\n").status_code == 404
    # another organization's admin may import, but not look at org A's import
    assert client_for(oscar).get(f"/console/imports/{record.pk}/").status_code == 404
    assert ImportJob.objects.count() == 1
