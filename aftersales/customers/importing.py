"""Bulk import of sales (customers and the units they bought) from CSV or XLSX.

Every row is validated before anything is written. Then either nothing is imported if any row
is bad (the default), or only the good rows are. Writes happen in one transaction with bulk
inserts, so a 100,000-row file imports in well under two minutes and a failure leaves nothing
half-done.

Longer than the ~400 lines a module usually keeps to, on purpose: reading, validating and
bulk-writing a file are one pipeline over the same row types (``CleanRow``, ``RowError``,
``ImportResult``), read top to bottom; each stage is a function the tests call on its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from aftersales.catalog.models import ProductModel
from aftersales.core import crypto
from aftersales.core.exports import unneutralize
from aftersales.customers.models import Customer, CustomerAddress, Unit

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization

# Canonical column → accepted header spellings (ERP and e-commerce exports differ).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_number": ("order_number", "order", "订单号", "订单编号"),
    "customer_name": ("customer_name", "name", "姓名", "客户姓名", "收货人"),
    "phone": ("phone", "mobile", "手机号", "手机", "联系电话", "收货人手机"),
    "email": ("email", "邮箱", "电子邮箱"),
    "province": ("province", "省", "省份"),
    "city": ("city", "市", "城市"),
    "district": ("district", "区", "区县"),
    "address": ("address", "详细地址", "收货地址", "地址"),
    "model_number": ("model_number", "model", "型号", "产品型号"),
    "serial_number": ("serial_number", "serial", "sn", "序列号", "机身编码"),
    "purchase_date": ("purchase_date", "购买日期", "下单时间", "销售日期"),
    "delivery_date": ("delivery_date", "签收日期", "签收时间"),
    "invoice_number": ("invoice_number", "invoice", "发票号", "发票号码"),
    "invoice_amount": ("invoice_amount", "amount", "发票金额", "实付金额", "金额"),
    "sales_channel": ("sales_channel", "channel", "销售渠道", "渠道"),
    "store": ("store", "shop", "门店", "店铺"),
}
REQUIRED = ("customer_name", "phone", "model_number", "serial_number", "purchase_date")
_ALIAS = {alias.lower(): canon for canon, aliases in COLUMNS.items() for alias in aliases}
_CHANNELS = {
    "online": "online",
    "线上": "online",
    "网店": "online",
    "offline": "offline",
    "线下": "offline",
    "门店": "offline",
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
BATCH = 2000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, empty, missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str


@dataclass
class ImportResult:
    total_rows: int = 0
    good_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    customers_created: int = 0
    customers_matched: int = 0
    units_created: int = 0
    committed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "good_rows": self.good_rows,
            "error_count": len(self.errors),
            "ignored_columns": self.ignored_columns,
            "customers_created": self.customers_created,
            "customers_matched": self.customers_matched,
            "units_created": self.units_created,
            "committed": self.committed,
        }


Progress = Callable[[str, int, int], None]


def _noop(phase: str, done: int, total: int) -> None:
    return None


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return unneutralize(value.strip())
    return value


def read_table(source: IO[bytes] | Path, filename: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Header and (line number, cells) rows of a CSV or XLSX file."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(source)
    if suffix in (".csv", ".txt"):
        return _read_csv(source)
    raise ImportFileError(_("只支持 CSV 或 XLSX 文件，收到的是“%(name)s”。") % {"name": filename})


def _read_csv(source: IO[bytes] | Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    raw = source.read_bytes() if isinstance(source, Path) else source.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("文件编码无法识别（请使用 UTF-8 或 GBK）。"))
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("文件是空的。")) from None
    return header, ((i, row) for i, row in enumerate(reader, start=2))


def _read_xlsx(source: IO[bytes] | Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt or non-xlsx file
        raise ImportFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(c) if c is not None else "" for c in next(rows)]
    except StopIteration:
        raise ImportFileError(_("文件是空的。")) from None
    return header, ((i, list(row)) for i, row in enumerate(rows, start=2))


def map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions by canonical name, and the header cells that were not understood."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        canon = _ALIAS.get(str(title).strip().lower())
        if canon and canon not in positions:
            positions[canon] = index
        elif str(title).strip():
            ignored.append(str(title).strip())
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise ImportFileError(_("缺少必需的列：%(cols)s。") % {"cols": ", ".join(missing)})
    return positions, ignored


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value).strip())
    if not match:
        raise ValueError(_("日期格式应为 YYYY-MM-DD"))
    return date(int(match[1]), int(match[2]), int(match[3]))


@dataclass
class CleanRow:
    line: int
    name: str
    phone: str
    email: str
    province: str
    city: str
    district: str
    address: str
    model_id: int
    serial: str
    purchase_date: date
    delivery_date: date | None
    invoice_number: str
    invoice_amount: Decimal
    channel: str
    store: str
    order_number: str


def _validate(
    line: int, cells: list[Any], pos: dict[str, int], models: dict[str, int], today: date
) -> tuple[CleanRow | None, list[RowError]]:
    def get(col: str) -> Any:
        i = pos.get(col)
        if i is None or i >= len(cells):
            return ""
        value = _cell(cells[i])
        return "" if value is None else value

    errors: list[RowError] = []

    def err(col: str, reason: str) -> None:
        errors.append(RowError(line, col, reason))

    name = str(get("customer_name"))
    if not name:
        err("customer_name", _("姓名不能为空"))
    phone = crypto.normalize_phone(str(get("phone")))
    if not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}", phone):
        err("phone", _("“%(v)s”不是有效的手机号") % {"v": get("phone")})
    model_number = str(get("model_number"))
    model_id = models.get(model_number.upper())
    if model_id is None:
        err("model_number", _("未知型号“%(v)s”") % {"v": model_number})
    serial = str(get("serial_number"))
    if not serial:
        err("serial_number", _("序列号不能为空"))
    elif len(serial) > 64:
        err("serial_number", _("序列号最多 64 个字符"))
    purchase: date | None = None
    try:
        purchase = _parse_date(get("purchase_date"))
        if purchase > today:
            err("purchase_date", _("购买日期不能晚于今天"))
    except ValueError as exc:
        err("purchase_date", str(exc))
    delivery: date | None = None
    if get("delivery_date") != "":
        try:
            delivery = _parse_date(get("delivery_date"))
            if purchase and delivery < purchase:
                err("delivery_date", _("签收日期不能早于购买日期"))
            elif delivery > today:
                err("delivery_date", _("签收日期不能晚于今天"))
        except ValueError as exc:
            err("delivery_date", str(exc))
    amount = Decimal("0")
    if get("invoice_amount") != "":
        try:
            amount = Decimal(str(get("invoice_amount")).replace(",", "").replace("¥", ""))
            if amount < 0 or not amount.is_finite():
                err("invoice_amount", _("金额必须是非负数"))
        except InvalidOperation:
            err("invoice_amount", _("“%(v)s”不是金额") % {"v": get("invoice_amount")})
    raw_channel = str(get("sales_channel")).lower()
    channel = _CHANNELS.get(raw_channel, "") if raw_channel else "offline"
    if not channel:
        err("sales_channel", _("销售渠道应为 online/offline（线上/线下）"))
    email = str(get("email")).lower()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        err("email", _("邮箱格式不正确"))
    if errors:
        return None, errors
    assert purchase is not None and model_id is not None
    return (
        CleanRow(
            line=line,
            name=name[:100],
            phone=phone,
            email=email,
            province=str(get("province"))[:40],
            city=str(get("city"))[:40],
            district=str(get("district"))[:40],
            address=str(get("address"))[:200],
            model_id=model_id,
            serial=serial,
            purchase_date=purchase,
            delivery_date=delivery,
            invoice_number=str(get("invoice_number"))[:64],
            invoice_amount=amount.quantize(Decimal("0.01")),
            channel=channel,
            store=str(get("store"))[:200],
            order_number=str(get("order_number"))[:64],
        ),
        [],
    )


def validate_file(
    *, organization: Organization, source: IO[bytes] | Path, filename: str, progress: Progress = _noop
) -> tuple[list[CleanRow], ImportResult]:
    header, rows = read_table(source, filename)
    positions, ignored = map_header(header)
    result = ImportResult(ignored_columns=ignored)
    models = {
        number.upper(): pk
        for pk, number in ProductModel.objects.filter(organization=organization).values_list(
            "id", "model_number"
        )
    }
    today = timezone.localdate()
    clean: list[CleanRow] = []
    seen: dict[tuple[int, str], int] = {}
    for line, cells in rows:
        if not any(c not in (None, "") for c in cells):
            continue  # spreadsheets often end with blank rows
        result.total_rows += 1
        row, errors = _validate(line, cells, positions, models, today)
        if row is not None:
            key = (row.model_id, row.serial)
            if key in seen:
                errors = [RowError(line, "serial_number", _("与第 %(n)d 行的序列号重复") % {"n": seen[key]})]
                row = None
            else:
                seen[key] = line
        result.errors.extend(errors)
        if row is not None:
            clean.append(row)
        if result.total_rows % 5000 == 0:
            progress("validate", result.total_rows, 0)
    if result.total_rows == 0:
        raise ImportFileError(_("文件中没有数据行。"))
    clean = _drop_registered(organization, clean, result)
    result.good_rows = len(clean)
    result.errors.sort(key=lambda e: e.line)
    return clean, result


def _drop_registered(
    organization: Organization, rows: list[CleanRow], result: ImportResult
) -> list[CleanRow]:
    """Rows whose serial is already registered for the model are errors, not duplicates."""
    existing: set[tuple[int, str]] = set()
    serials = sorted({r.serial for r in rows})
    for start in range(0, len(serials), 500):
        chunk = serials[start : start + 500]
        existing.update(
            Unit.objects.filter(organization=organization, serial_number__in=chunk).values_list(
                "product_model_id", "serial_number"
            )
        )
    kept = []
    for row in rows:
        if (row.model_id, row.serial) in existing:
            result.errors.append(
                RowError(row.line, "serial_number", _("序列号“%(s)s”已登记") % {"s": row.serial})
            )
        else:
            kept.append(row)
    return kept


def import_sales(
    *,
    organization: Organization,
    source: IO[bytes] | Path,
    filename: str,
    mode: str = "all_or_nothing",
    progress: Progress = _noop,
) -> ImportResult:
    if mode not in ("all_or_nothing", "good_only"):
        raise ValueError(f"unknown import mode {mode!r}")
    rows, result = validate_file(
        organization=organization, source=source, filename=filename, progress=progress
    )
    if result.errors and mode == "all_or_nothing":
        return result
    _write(organization, rows, result, progress)
    result.committed = True
    return result


def _write(
    organization: Organization, rows: list[CleanRow], result: ImportResult, progress: Progress
) -> None:
    total = len(rows)
    with transaction.atomic():
        by_hash: dict[str, int] = {}
        hashes = {r.phone: crypto.phone_hash(r.phone) for r in rows}
        unique_hashes = sorted(set(hashes.values()))
        for start in range(0, len(unique_hashes), 500):
            chunk = unique_hashes[start : start + 500]
            by_hash.update(
                Customer.objects.filter(organization=organization, phone_hash__in=chunk).values_list(
                    "phone_hash", "id"
                )
            )
        result.customers_matched = len(by_hash)
        new_customers: dict[str, Customer] = {}
        new_addresses: list[tuple[str, CustomerAddress]] = []
        for row in rows:
            h = hashes[row.phone]
            if h in by_hash or h in new_customers:
                continue
            new_customers[h] = Customer(
                organization=organization, name=row.name, phone=row.phone, phone_hash=h, email=row.email
            )
            if row.address and row.city:
                new_addresses.append(
                    (
                        h,
                        CustomerAddress(
                            province=row.province or row.city,
                            city=row.city,
                            district=row.district,
                            detail=row.address,
                            is_default=True,
                        ),
                    )
                )
        created = list(new_customers.values())
        for start in range(0, len(created), BATCH):
            Customer.objects.bulk_create(created[start : start + BATCH], batch_size=BATCH)
            progress("customers", min(start + BATCH, len(created)), len(created))
        if created and created[0].pk is None:
            # Backends that do not return ids from bulk inserts: read them back by hash.
            for start in range(0, len(created), 500):
                chunk = [c.phone_hash for c in created[start : start + 500]]
                by_hash.update(
                    Customer.objects.filter(organization=organization, phone_hash__in=chunk).values_list(
                        "phone_hash", "id"
                    )
                )
        else:
            by_hash.update({c.phone_hash: c.pk for c in created})
        result.customers_created = len(created)
        for h, address in new_addresses:
            address.customer_id = by_hash[h]
        CustomerAddress.objects.bulk_create([a for _, a in new_addresses], batch_size=BATCH)
        units = [
            Unit(
                organization=organization,
                product_model_id=row.model_id,
                serial_number=row.serial,
                customer_id=by_hash[hashes[row.phone]],
                purchase_date=row.purchase_date,
                delivery_date=row.delivery_date,
                invoice_number=row.invoice_number,
                invoice_amount=row.invoice_amount,
                sales_channel=row.channel,
                store=row.store,
                order_number=row.order_number,
            )
            for row in rows
        ]
        for start in range(0, len(units), BATCH):
            Unit.objects.bulk_create(units[start : start + BATCH], batch_size=BATCH)
            progress("units", min(start + BATCH, total), total)
        result.units_created = len(units)
