"""Agent console pages for service requests. Parse input, call services and selectors, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import InvalidInput, ServiceError, renamed
from aftersales.core.forms import form_submit
from aftersales.core.htmx import render_htmx
from aftersales.core.paginator import IdsFirstPaginator
from aftersales.customers.selectors import customer_search, customers_for_user, units_for_user
from aftersales.service import opening, selectors, services
from aftersales.service.forms import (
    TRANSITION_LABELS,
    AssignForm,
    BulkForm,
    EditForm,
    MergeForm,
    NewRequestForm,
    QueueForm,
    ReplyForm,
    SplitForm,
    TransitionForm,
)
from aftersales.service.models import (
    Attachment,
    ServiceRequest,
)
from aftersales.service.pages import (
    STATUS_LABELS,
    KeptUploads,
    duplicates_of,
    fresh_uploads,
    keep_uploads,
    reason_of,
    reply_submit,
    timeline_entries,
)
from aftersales.sla import selectors as sla_selectors

PER_PAGE = 25

# --- queue -----------------------------------------------------------------------------------


@require(Cap.VIEW_CUSTOMERS)
@require_GET
def request_queue(request: AuthedRequest) -> HttpResponse:
    form = QueueForm(request.GET)
    filters = form.values()
    sort = filters.pop("sort")
    clock = filters.pop("sla")
    # The rows show neither the description nor the encrypted address and ID number: not read,
    # not decrypted.
    qs = (
        selectors.request_queue(user=request.user, f=selectors.QueueFilter(**filters))
        .select_related("unit__product_model")
        .defer("description", "address_detail", "customer__id_number", "customer__notes")
    )
    if clock:
        qs = qs.filter(sla_selectors.clock_q(clock, timezone.now()))
    filters["sla"] = clock
    if sort == "urgency":
        qs = sla_selectors.by_urgency(qs)
    page = IdsFirstPaginator(sla_selectors.with_sla(qs), PER_PAGE).get_page(request.GET.get("page"))
    filters["sort"] = sort
    context = {
        "page": page,
        "filters": filters,
        "form": form,
        "querystring": request.GET.urlencode(),
        "bulk": BulkForm(organization_id=request.user.organization_id, user=request.user),
        "can_create": can(request.user, Cap.EDIT_CUSTOMERS) and request.user.organization_id is not None,
    }
    return render_htmx(
        request,
        page="service/console/queue.html",
        partial="service/partials/_request_rows.html",
        context=context,
    )


def _bulk_one(sr: ServiceRequest, by: Any, data: dict[str, Any]) -> None:
    if data["action"] == "assign":
        services.request_assign(request=sr, assignee=data["assignee"], by=by, reason=data["reason"])
    elif data["action"] == "transition":
        services.request_transition(request=sr, name=data["transition"], by=by, reason=data["reason"])
    else:
        services.request_update(request=sr, by=by, version=None, priority=data["priority"])


@require(Cap.VIEW_CUSTOMERS)
@require_POST
def request_bulk(request: AuthedRequest) -> HttpResponse:
    back = reverse("service:queue")
    querystring = QueryDict(request.POST.get("querystring", "")).urlencode()
    if querystring:
        back += "?" + querystring
    form = BulkForm(request.POST, organization_id=request.user.organization_id, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    done, failed = [], []
    # Each request is its own transaction: one that cannot move does not hold back the others.
    for number in form.cleaned_data["numbers"]:
        try:
            sr = selectors.request_for_user(user=request.user, number=number)
            _bulk_one(sr, request.user, form.cleaned_data)
        except Http404:
            failed.append((number, _("没有这张服务单。")))
        except ServiceError as exc:
            failed.append((number, reason_of(exc)))
        else:
            done.append(number)
    if done:
        messages.success(
            request,
            ngettext("已处理 %(n)d 张服务单：%(numbers)s", "已处理 %(n)d 张服务单：%(numbers)s", len(done))
            % {"n": len(done), "numbers": "、".join(done)},
        )
    for number, reason in failed:
        messages.error(request, _("%(number)s 未处理：%(reason)s") % {"number": number, "reason": reason})
    return redirect(back)


# --- new request (phone intake) --------------------------------------------------------------


# The console form's names for ``request_open``'s arguments.
CONSOLE_FIELDS = {"customer_id": "customer", "unit_id": "unit", "unit_serial": "serial"}


def _customer_units(request: AuthedRequest, customer: Any) -> Any:
    if customer is None:
        return []
    return units_for_user(request.user).filter(customer=customer).select_related("product_model")


@require(Cap.EDIT_CUSTOMERS)
def request_new(request: AuthedRequest) -> HttpResponse:
    org = request.user.organization
    if org is None:
        raise Http404  # a platform admin opens requests as one of the organization's staff
    form = NewRequestForm(request.POST or None, request.FILES or None)
    picked = None
    duplicates: list[str] = []
    kept = fresh_uploads("uploads")
    if request.method == "GET" and request.GET.get("customer", "").isdigit():
        picked = customers_for_user(request.user).filter(pk=request.GET["customer"]).first()
    if request.method == "POST":
        valid = form.is_valid()
        # Kept before anything is judged, so a duplicate warning or an error keeps the files too.
        kept, refused = keep_uploads(request, field="uploads")
        if refused:
            form.add_error("uploads", refused)
            valid = False
        if valid:
            try:
                sr = _create(request, form.cleaned_data, kept)
            except ServiceError as exc:
                duplicates = duplicates_of(exc)
                if duplicates:
                    form.add_error(None, exc.message)
                else:
                    form.add_service_error(renamed(exc, CONSOLE_FIELDS))
            else:
                messages.success(request, _("服务单 %(number)s 已创建。") % {"number": sr.number})
                return redirect("service:detail", number=sr.number)
        if picked is None and form.cleaned_data.get("customer"):
            picked = customers_for_user(request.user).filter(pk=form.cleaned_data["customer"]).first()
    context = {
        "form": form,
        "picked": picked,
        "found": [picked] if picked else [],
        "duplicates": duplicates,
        "units": _customer_units(request, picked),
        "kept": kept,
    }
    return render(request, "service/console/new.html", context, status=422 if form.errors else 200)


def _create(request: AuthedRequest, data: dict[str, Any], kept: KeptUploads) -> ServiceRequest:
    """The request with its files, in one transaction (``request_open``)."""
    return opening.request_open(
        by=request.user,
        kind=data["kind"],
        channel=data["channel"],
        description=data["description"],
        priority=data["priority"],
        fulfilment=data["fulfilment"],
        customer_id=data["customer"],
        contact=opening.Contact(name=data["name"], phone=data["phone"]),
        unit_id=data["unit"],
        unit_serial=data["serial"],
        link_to=data["link_to"],
        allow_duplicate=data["allow_duplicate"],
        uploads=kept.items,
    )


@require(Cap.EDIT_CUSTOMERS)
@require_GET
def customer_pick(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    found = customer_search(user=request.user, q=q)[:8] if q else []
    return render(request, "service/partials/_customer_results.html", {"found": found, "q": q})


@require(Cap.EDIT_CUSTOMERS)
@require_GET
def customer_units(request: AuthedRequest) -> HttpResponse:
    pk = request.GET.get("customer", "")
    picked = customers_for_user(request.user).filter(pk=pk).first() if pk.isdigit() else None
    return render(
        request,
        "service/partials/_unit_field.html",
        {"units": _customer_units(request, picked), "picked": picked, "form": NewRequestForm()},
    )


# --- request page ----------------------------------------------------------------------------


def _transitions(request: AuthedRequest, sr: ServiceRequest) -> list[dict[str, Any]]:
    rows = []
    for t in selectors.allowed_transitions(user=request.user, request=sr):
        if t.name == "assign":
            continue  # done by the assign form, which also names the person
        style = (
            "outline-danger"
            if t.name in ("cancel", "customer_reject")
            else ("success" if t.name in ("resolve", "close", "customer_accept") else "primary")
        )
        rows.append(
            {
                "name": t.name,
                "label": TRANSITION_LABELS.get(t.name, t.name),
                "needs_reason": t.needs_reason,
                "target": STATUS_LABELS.get(t.target.value, t.target.value),
                "style": style,
            }
        )
    return rows


def _edit_form(sr: ServiceRequest) -> EditForm:
    return EditForm(
        initial={
            "priority": sr.priority,
            "kind": sr.kind,
            "description": sr.description,
            "version": sr.version,
        }
    )


def _render_detail(
    request: AuthedRequest, sr: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    org_id = sr.organization_id
    context: dict[str, Any] = {
        "sr": sr,
        "transitions": _transitions(request, sr),
        "timeline": timeline_entries(user=request.user, sr=sr),
        "reply_form": ReplyForm(organization_id=org_id),
        "reply_kept": fresh_uploads("uploads"),
        "edit_form": _edit_form(sr),
        "assign_form": AssignForm(organization_id=org_id, initial={"assignee": sr.assignee_id}),
        "merge_form": MergeForm(),
        "split_form": SplitForm(),
        "transition_form": None,
        "rating": getattr(sr, "rating", None),
        "linked": list(sr.linked.all()),
        "merged": list(sr.merged.all()),
    }
    context.update(forms)
    return render(request, "service/console/detail.html", context, status=status)


def _get(request: AuthedRequest, number: str) -> ServiceRequest:
    return selectors.request_for_user(user=request.user, number=number)


@require(Cap.VIEW_CUSTOMERS)
@require_GET
def request_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _render_detail(request, _get(request, number))


def _done(request: AuthedRequest, number: str, text: str, anchor: str = "") -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("service:detail", args=[number]) + anchor)


def _again(request: AuthedRequest, number: str, **forms: Any) -> HttpResponse:
    """The page again (422) for a form the user must correct, as it is now, with the form as sent."""
    return _render_detail(request, _get(request, number), status=422, **forms)


@require(Cap.VIEW_CUSTOMERS)
@require_POST
def request_transition(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = TransitionForm(request.POST)

    def take(data: dict[str, Any]) -> HttpResponse:
        name = data["name"]
        services.request_transition(request=sr, name=name, by=request.user, reason=data["reason"])
        return _done(request, number, _("已执行：%(name)s") % {"name": TRANSITION_LABELS.get(name, name)})

    return form_submit(form, take) or _again(request, number, transition_form=form)


@require(Cap.ASSIGN_REQUESTS)
@require_POST
def request_assign(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = AssignForm(request.POST, organization_id=sr.organization_id)

    def assign(data: dict[str, Any]) -> HttpResponse:
        assignee = data["assignee"]
        services.request_assign(request=sr, assignee=assignee, by=request.user, reason=data["reason"])
        name = assignee.get_full_name() or assignee.username
        return _done(request, number, _("已派单给 %(name)s。") % {"name": name})

    return form_submit(form, assign) or _again(request, number, assign_form=form)


@require(Cap.VIEW_CUSTOMERS)
@require_POST
def request_reply(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    kept, refused = keep_uploads(request, field="uploads")
    form = ReplyForm(request.POST, request.FILES, organization_id=sr.organization_id, kept=len(kept.items))
    if reply_submit(form, sr=sr, by=request.user, kept=kept, refused=refused):
        internal = form.cleaned_data["visibility"] == "internal"
        return _done(request, number, _("内部备注已保存。") if internal else _("回复已发送。"), "#timeline")
    return _again(request, number, reply_form=form, reply_kept=kept)


@require(Cap.VIEW_CUSTOMERS)
@require_GET
def canned_reply(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    field = ReplyForm(organization_id=sr.organization_id).fields["canned"]
    try:
        canned = field.clean(request.GET.get("canned", ""))
    except ValidationError as exc:
        raise Http404 from exc
    body = services.render_canned(canned.body, request=sr, agent=request.user) if canned else ""
    return render(request, "service/partials/_reply_body.html", {"body": body})


@require(Cap.EDIT_REQUESTS)
@require_POST
def request_edit(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = EditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_update(
                request=sr,
                by=request.user,
                version=data["version"],
                priority=data["priority"],
                kind=data["kind"],
                description=data["description"],
            )
        except ServiceError as exc:
            if "version" in exc.errors:
                # Keep what was typed, but against the current version, so saving again is a
                # deliberate overwrite of the other person's change rather than a silent one.
                fresh = request.POST.copy()
                fresh["version"] = str(_get(request, number).version)
                form = EditForm(fresh)
                form.is_valid()
                form.add_error(None, exc.message)
            else:
                form.add_service_error(exc)
        else:
            return _done(request, number, _("服务单已保存。"))
    return _again(request, number, edit_form=form)


@require(Cap.MERGE_REQUESTS)
@require_POST
def request_merge(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = MergeForm(request.POST)

    def merge(data: dict[str, Any]) -> HttpResponse:
        target_number = data["target"].strip().upper()
        target = selectors.requests_for_user(request.user).filter(number=target_number).first()
        if target is None:
            raise InvalidInput({"target": _("没有这张服务单。")})
        services.request_merge(source=sr, target=target, by=request.user)
        return _done(request, target.number, _("%(source)s 已合并到本单。") % {"source": sr.number})

    return form_submit(form, merge) or _again(request, number, merge_form=form)


@require(Cap.VIEW_CUSTOMERS)
@require_POST
def request_split(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = SplitForm(request.POST)

    def split(data: dict[str, Any]) -> HttpResponse:
        new = services.request_split(
            request=sr, by=request.user, description=data["description"], kind=data["kind"] or None
        )
        return _done(request, new.number, _("已从 %(source)s 拆分出本单。") % {"source": sr.number})

    return form_submit(form, split) or _again(request, number, split_form=form)


# --- files -----------------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A file of a request the user can see; a customer only gets the public ones. Else 404."""
    number = Attachment.objects.filter(pk=pk).values_list("request__number", flat=True).first()
    if number is None:
        raise Http404
    sr = selectors.request_for_user(user=request.user, number=number)
    attachment = selectors.attachments_for_user(user=request.user, request=sr).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    inline = attachment.is_image or attachment.content_type in (
        "application/pdf",
        "video/mp4",
        "video/quicktime",
    )
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:  # the row outlived its file (restored database, pruned storage)
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=attachment.content_type, as_attachment=not inline, filename=attachment.name
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
