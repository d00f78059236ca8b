from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.catalog import selectors, services
from aftersales.catalog.forms import ProductModelForm, SparePartForm
from aftersales.core.errors import ServiceError
from aftersales.core.paginator import paginate


@require(Cap.VIEW_CATALOG)
def model_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = paginate(request, selectors.product_model_search(user=request.user, q=q))
    return render(request, "catalog/model_list.html", {"page": page, "q": q})


@require(Cap.VIEW_CATALOG)
def model_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    product_model = selectors.product_model_for_user(user=request.user, pk=pk)
    can_edit = can(request.user, Cap.EDIT_CATALOG)
    form = None
    if can_edit:
        initial = {f: getattr(product_model, f) for f in ProductModelForm.base_fields}
        form = ProductModelForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.product_model_update(
                    product_model=product_model, by=request.user, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("型号已保存。"))
                return redirect("catalog:model-detail", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "catalog/model_detail.html", {"m": product_model, "form": form})


@require(Cap.VIEW_CATALOG)
def part_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = paginate(request, selectors.spare_part_search(user=request.user, q=q))
    can_edit = can(request.user, Cap.EDIT_CATALOG)
    # A new part belongs to the user's organization (part_edit answers 404 without one).
    can_create = can_edit and request.user.organization_id is not None
    return render(
        request,
        "catalog/part_list.html",
        {"page": page, "q": q, "can_edit": can_edit, "can_create": can_create},
    )


@require(Cap.EDIT_CATALOG)
def part_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    org = request.user.organization
    part = get_or_404(selectors.spare_parts_for_user(request.user), pk=pk) if pk else None
    if part is not None:
        org = part.organization
    if org is None:
        raise Http404
    initial = {}
    if part is not None:
        initial = {
            "part_number": part.part_number,
            "name": part.name,
            "price": part.price,
            "is_main_part": part.is_main_part,
            "fits": list(part.fits.all()),
        }
    form = SparePartForm(request.POST or None, initial=initial, organization_id=org.pk)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["fits"] = list(data["fits"])
            services.spare_part_save(organization=org, by=request.user, part=part, **data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("备件已保存。"))
            return redirect("catalog:parts")
    return render(request, "catalog/part_form.html", {"form": form, "part": part})
