"""Bulk sales import speed: generate a CSV (or XLSX) of N rows and import it.

    python benchmarks/import_sales.py --rows 100000 [--format xlsx] [--database-url postgres://…]

Uses a fresh data folder (and database, unless --database-url is given) and prints the time
to validate and import, and rows per second. Goal: 100,000 rows in under 2 minutes.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
    os.environ["AFTERSALES_DATA_DIR"] = str(workdir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    from aftersales.accounts.models import Organization
    from aftersales.catalog.models import ProductCategory, ProductModel
    from aftersales.customers import importing
    from aftersales.customers.models import Customer, Unit

    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench 家电"})
    Unit.objects.filter(organization=org).delete()
    Customer.objects.filter(organization=org).delete()
    cat, _ = ProductCategory.objects.get_or_create(organization=org, code="ac", defaults={"name": "空调"})
    models = [
        ProductModel.objects.get_or_create(
            organization=org,
            model_number=f"KFR-{i:02d}",
            defaults={
                "category": cat,
                "brand": "晴川",
                "name": "空调",
                "whole_unit_months": 12,
                "main_parts_months": 36,
            },
        )[0].model_number
        for i in range(20)
    ]

    rng = random.Random(7)
    header = [
        "订单号",
        "姓名",
        "手机号",
        "省",
        "市",
        "区县",
        "详细地址",
        "型号",
        "序列号",
        "购买日期",
        "签收日期",
        "发票号",
        "发票金额",
        "销售渠道",
        "店铺",
    ]
    customers = max(args.rows * 2 // 5, 1)
    rows = []
    for n in range(args.rows):
        c = rng.randrange(customers)
        rows.append(
            [
                f"O{n:09d}",
                f"客户{c}",
                f"13{c % 10}{c:08d}",
                "广东省",
                "深圳市",
                "南山区",
                f"科技路{c % 500}号",
                rng.choice(models),
                f"SN{n:012d}",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "",
                f"INV{n:010d}",
                f"{rng.randint(999, 8999)}.00",
                rng.choice(["线上", "线下"]),
                "旗舰店",
            ]
        )
    path = workdir / f"sales.{args.format}"
    if args.format == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)

    started = time.perf_counter()
    result = importing.import_sales(organization=org, source=path, filename=path.name)
    seconds = time.perf_counter() - started
    vendor = django.db.connection.vendor
    print(
        f"database={vendor} format={args.format} rows={args.rows} committed={result.committed} "
        f"errors={len(result.errors)} customers_created={result.customers_created} units_created={result.units_created}"
    )
    print(f"import_seconds={seconds:.1f} rows_per_second={args.rows / seconds:,.0f} goal=100000 rows < 120 s")


if __name__ == "__main__":
    main()
