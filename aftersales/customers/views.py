"""Staff console pages for customers, units, imports and exports. No business logic here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.core import exports
from aftersales.core.errors import ServiceError
from aftersales.core.htmx import render_htmx
from aftersales.core.models import RevealLog
from aftersales.core.paginator import paginate
from aftersales.customers import exporting, selectors, services
from aftersales.customers.forms import AddressForm, CustomerForm, ImportForm, RevealForm, UnitForm
from aftersales.customers.models import Customer, ImportJob, Unit
from aftersales.jobs.registry import enqueue


@require(Cap.VIEW_CUSTOMERS)
def customer_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    tier = request.GET.get("tier", "")
    page = paginate(request, selectors.customer_search(user=request.user, q=q, tier=tier))
    context = {
        "page": page,
        "q": q,
        "tier": tier,
        "tiers": Customer.Tier.choices,
        "can_edit": can(request.user, Cap.EDIT_CUSTOMERS),
    }
    return render_htmx(
        request,
        page="customers/customer_list.html",
        partial="customers/partials/_customer_rows.html",
        context=context,
    )


@require(Cap.VIEW_CUSTOMERS)
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "can_edit": can(request.user, Cap.EDIT_CUSTOMERS),
            "can_reveal": can(request.user, Cap.REVEAL_PERSONAL_DATA),
            "can_delete": can(request.user, Cap.DELETE_CUSTOMERS),
            "address_form": AddressForm(),
        },
    )


def _org_for_create(request: AuthedRequest) -> Any:
    org = request.user.organization
    if org is None:
        # Platform admins create records through an organization's admin in Django admin.
        raise Http404
    return org


@require(Cap.EDIT_CUSTOMERS)
def customer_create(request: AuthedRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                organization=_org_for_create(request),
                by=request.user,
                **form.cleaned_data,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("客户已创建。"))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "title": _("新建客户")})


@require(Cap.EDIT_CUSTOMERS)
def customer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    initial = {"name": customer.name, "email": customer.email, "tier": customer.tier, "notes": customer.notes}
    form = CustomerForm(request.POST or None, initial=initial, editing=customer)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if not (k in ("phone", "id_number") and not v)}
        try:
            services.customer_update(customer=customer, by=request.user, **changes)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("客户已保存。"))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request, "customers/customer_form.html", {"form": form, "title": _("编辑客户"), "customer": customer}
    )


@require(Cap.DELETE_CUSTOMERS)
@require_POST
def customer_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    try:
        services.customer_delete(customer=customer, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=customer.pk)
    messages.success(request, _("客户已删除。"))
    return redirect("customers:list")


@require(Cap.EDIT_CUSTOMERS)
@require_POST
def address_add(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            services.address_add(customer=customer, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("地址已添加。"))
            return redirect("customers:detail", pk=customer.pk)
    problems = [
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(str(m) for m in e)}"
        for f, e in form.errors.items()
    ]
    messages.error(request, " ".join(problems))
    return redirect("customers:detail", pk=customer.pk)


@require(Cap.REVEAL_PERSONAL_DATA)
@require_POST
def customer_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    form = RevealForm(request.POST)
    value = None
    error = None
    if form.is_valid():
        try:
            value = services.personal_data_reveal(
                user=request.user,
                customer=customer,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ServiceError as exc:
            error = " ".join(exc.errors.values()) or exc.message
    else:
        error = _("请求无效。")
    return render(
        request,
        "customers/partials/_revealed.html",
        {"value": value, "error": error, "field": request.POST.get("field", "")},
        status=200 if value is not None else 422,
    )


@require(Cap.VIEW_CUSTOMERS)
def unit_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    channel = request.GET.get("channel", "")
    page = paginate(request, selectors.unit_search(user=request.user, q=q, channel=channel))
    context = {"page": page, "q": q, "channel": channel, "channels": Unit.SalesChannel.choices}
    return render_htmx(
        request,
        page="customers/unit_list.html",
        partial="customers/partials/_unit_rows.html",
        context=context,
    )


@require(Cap.VIEW_CUSTOMERS)
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    return render(
        request,
        "customers/unit_detail.html",
        {"unit": unit, "can_edit": can(request.user, Cap.EDIT_CUSTOMERS)},
    )


@require(Cap.EDIT_CUSTOMERS)
def unit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, pk=pk)
    form = UnitForm(request.POST or None, organization_id=customer.organization_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["invoice_amount"] = data.get("invoice_amount") or 0
        try:
            unit = services.unit_create(
                organization=customer.organization,
                by=request.user,
                customer=customer,
                **data,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("机器已登记。"))
            return redirect("customers:unit-detail", pk=unit.pk)
    return render(
        request, "customers/unit_form.html", {"form": form, "customer": customer, "title": _("登记机器")}
    )


@require(Cap.EDIT_CUSTOMERS)
def unit_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    initial = {f: getattr(unit, f) for f in services.UNIT_EDITABLE}
    initial["product_model"] = unit.product_model_id
    form = UnitForm(request.POST or None, initial=initial, organization_id=unit.organization_id)
    form.fields["product_model"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "product_model"}
        data["invoice_amount"] = data.get("invoice_amount") or 0
        try:
            services.unit_update(unit=unit, by=request.user, **data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("机器已保存。"))
            return redirect("customers:unit-detail", pk=unit.pk)
    return render(request, "customers/unit_form.html", {"form": form, "unit": unit, "title": _("编辑机器")})


@require(Cap.IMPORT_DATA)
def import_list(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name or "upload"
        if not name.lower().endswith((".csv", ".xlsx", ".txt")):
            form.add_error("file", _("只支持 CSV 或 XLSX 文件。"))
        elif upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error("file", _("文件太大。"))
        elif upload.size == 0:
            form.add_error("file", _("文件是空的。"))
        else:
            record = ImportJob.objects.create(
                organization=_org_for_create(request),
                created_by=request.user,
                file=upload,
                filename=name,
                mode=form.cleaned_data["mode"],
            )
            enqueue("customers.import_sales", import_id=record.pk)
            return redirect("customers:import-detail", pk=record.pk)
    jobs = scope(ImportJob.objects.select_related("created_by"), request.user)[:20]
    return render(request, "customers/import_list.html", {"form": form, "jobs": jobs})


@require(Cap.IMPORT_DATA)
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_or_404(scope(ImportJob.objects.all(), request.user), pk=pk)
    return render_htmx(
        request,
        page="customers/import_detail.html",
        partial="customers/partials/_import_status.html",
        context={"job": record},
    )


@require(Cap.EXPORT_DATA)
def export(request: AuthedRequest, what: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    reveal = request.GET.get("reveal") == "1" and can(request.user, Cap.REVEAL_PERSONAL_DATA)
    if what == "units":
        header = exporting.UNIT_COLUMNS
        rows = exporting.unit_rows(
            selectors.unit_search(user=request.user, q=request.GET.get("q", "")), reveal=reveal
        )
    elif what == "customers":
        header = exporting.CUSTOMER_COLUMNS
        rows = exporting.customer_rows(
            selectors.customer_search(user=request.user, q=request.GET.get("q", "")), reveal=reveal
        )
    else:
        raise Http404
    if reveal:
        RevealLog.objects.create(
            user=request.user,
            organization_id=request.user.organization_id,
            object_type=f"export:{what}",
            object_id="*",
            field="phone",
            reason=_("导出含完整手机号"),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{what}-{stamp}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
