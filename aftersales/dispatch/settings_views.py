"""The organization admin's assignment settings page: dispatch policy and skill requirements."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.settings_area import settings_org, settings_org_id, settings_render
from aftersales.dispatch import settings_services as svc
from aftersales.dispatch.config import policy_for
from aftersales.dispatch.models import Certification, SkillRequirement
from aftersales.dispatch.settings_forms import DispatchPolicyForm, SkillRequirementForm
from aftersales.service.models import Kind

_org = settings_org
_org_id = settings_org_id
_render = settings_render


def _requirements(request: AuthedRequest) -> Any:
    return SkillRequirement.objects.filter(organization_id=_org_id(request))


def _page(
    request: AuthedRequest,
    *,
    form: DispatchPolicyForm | None = None,
    requirement_form: SkillRequirementForm | None = None,
    editing: SkillRequirement | None = None,
) -> HttpResponse:
    org = _org(request)
    kinds = dict(Kind.choices)
    return _render(
        request,
        "dispatch/settings/assignment.html",
        {
            "settings_section": "assignment",
            "form": form or DispatchPolicyForm(instance=policy_for(org)),
            "requirement_form": requirement_form or SkillRequirementForm(organization=org, instance=editing),
            "requirements": [
                (r, str(kinds.get(r.request_kind, r.request_kind)))
                for r in _requirements(request)
                .select_related("category")
                .order_by("category__name", "request_kind")
            ],
            "editing": editing,
            "certifications": Certification.choices,
        },
    )


@settings_admin_required
def assignment(request: AuthedRequest) -> HttpResponse:
    org = _org(request)
    if request.method == "POST":
        form = DispatchPolicyForm(request.POST, instance=policy_for(org))
        if not form.is_valid():
            return _page(request, form=form)
        svc.dispatch_policy_update(
            organization=org,
            actor=request.user,
            values={f: form.cleaned_data[f] for f in svc.POLICY_FIELDS},
        )
        messages.success(request, _("派单设置已保存。"))
        return redirect("dispatch:settings-assignment")
    return _page(request)


@settings_admin_required
def requirement_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    org = _org(request)
    row = get_or_404(_requirements(request), pk=pk) if pk is not None else None
    if request.method != "POST":
        return _page(request, editing=row)
    form = SkillRequirementForm(request.POST, organization=org, instance=row)
    if not form.is_valid():
        return _page(request, requirement_form=form, editing=row)
    if row is None:
        svc.skill_requirement_create(organization=org, actor=request.user, values=form.values())
    else:
        svc.skill_requirement_update(row=row, actor=request.user, values=form.values())
    messages.success(request, _("技能要求已保存。"))
    return redirect("dispatch:settings-assignment")


@settings_admin_required
@require_POST
def requirement_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_or_404(_requirements(request).select_related("organization"), pk=pk)
    svc.skill_requirement_delete(row=row, actor=request.user)
    messages.success(request, _("技能要求已删除。"))
    return redirect("dispatch:settings-assignment")
