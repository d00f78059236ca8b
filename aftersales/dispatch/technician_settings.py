"""The organization admin's technician profiles: station, daily limit, skills and on-duty flag.

An invited technician account can sign in but has no route until it has a profile (the home
station it starts from and the skills dispatch matches against). This section makes one for
every technician account and edits it; each save is audited on the settings log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Organization, Role, User
from aftersales.accounts.settings_area import settings_org, settings_render
from aftersales.accounts.settings_log import settings_change_log
from aftersales.catalog.models import ProductCategory
from aftersales.dispatch.models import Certification, SkillKind, SkillLevel, Technician, TechnicianSkill
from aftersales.dispatch.services import technician_create
from aftersales.service.models import Kind
from aftersales.stations.models import ServiceStation

AREA = "technicians"


class TechnicianForm(forms.Form):
    home_station = forms.ModelChoiceField(
        queryset=ServiceStation.objects.none(),
        label=gettext_lazy("所属网点"),
        help_text=gettext_lazy("工程师从这里出发、收工回到这里；派单按网点的服务半径。"),
    )
    max_jobs_per_day = forms.IntegerField(
        label=gettext_lazy("每日最多上门单数"), min_value=1, max_value=30, initial=8
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("技能等级"),
        choices=SkillLevel.choices,
        coerce=int,
        initial=SkillLevel.INTERMEDIATE,
        help_text=gettext_lazy("下面勾选的品类和服务类型按这个等级记录。"),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("会修的产品品类"), required=False, widget=forms.CheckboxSelectMultiple
    )
    work = forms.MultipleChoiceField(
        label=gettext_lazy("会做的服务类型"),
        required=False,
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    certifications = forms.MultipleChoiceField(
        label=gettext_lazy("持有的资质证书"),
        required=False,
        choices=Certification.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=gettext_lazy("在岗（参与派单）"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        station_field = self.fields["home_station"]
        assert isinstance(station_field, forms.ModelChoiceField)
        station_field.queryset = ServiceStation.objects.filter(
            organization=organization, is_active=True
        ).order_by("name")
        categories = self.fields["categories"]
        assert isinstance(categories, forms.MultipleChoiceField)
        categories.choices = list(
            ProductCategory.objects.filter(organization=organization)
            .order_by("name")
            .values_list("code", "name")
        )
        if not categories.choices:
            categories.help_text = gettext_lazy("本组织还没有产品品类：先在“产品”中添加品类，再回来勾选。")
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"


def _skill_rows(data: dict[str, Any]) -> list[tuple[str, str, int]]:
    level = int(data["level"])
    rows = [(SkillKind.CATEGORY.value, code, level) for code in data["categories"]]
    rows += [(SkillKind.WORK.value, code, level) for code in data["work"]]
    rows += [(SkillKind.CERTIFICATION.value, code, level) for code in data["certifications"]]
    return rows


def _detail(tech: Technician) -> dict[str, Any]:
    return {
        "home_station": tech.home_station.code,
        "max_jobs_per_day": tech.max_jobs_per_day,
        "is_active": tech.is_active,
        "skills": sorted(f"{s.kind}:{s.code}@{s.level}" for s in tech.skills.all()),
    }


def technician_profile_save(
    *,
    organization: Organization,
    actor: User,
    user: User,
    home_station: ServiceStation,
    max_jobs_per_day: int,
    is_active: bool,
    skills: Iterable[tuple[str, str, int]],
) -> Technician:
    """Make or update the technician profile of ``user`` (a technician account of the organization)."""
    rows = list(skills)
    with transaction.atomic():
        tech = Technician.objects.select_for_update().filter(user=user).first()
        if tech is None:
            tech = technician_create(
                user=user, home_station=home_station, skills=rows, max_jobs_per_day=max_jobs_per_day
            )
            before: dict[str, Any] = {}
            action = "created"
        else:
            before = _detail(tech)
            tech.home_station = home_station
            tech.max_jobs_per_day = max_jobs_per_day
            tech.is_active = is_active
            tech.save(update_fields=["home_station", "max_jobs_per_day", "is_active"])
            TechnicianSkill.objects.filter(technician=tech).delete()
            TechnicianSkill.objects.bulk_create(
                TechnicianSkill(technician=tech, kind=k, code=c, level=lv) for k, c, lv in rows
            )
            action = "updated"
        if not is_active and tech.is_active:
            tech.is_active = False
            tech.save(update_fields=["is_active"])
        after = _detail(tech)
        changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if changed:
            settings_change_log(
                organization=organization,
                actor=actor,
                area=AREA,
                action=action,
                target=user.username,
                detail=changed,
            )
    return tech


def _accounts(organization: Organization) -> Any:
    return User.objects.filter(organization=organization, role=Role.TECHNICIAN).order_by(
        "-is_active", "username"
    )


@settings_admin_required
def technicians(request: AuthedRequest) -> HttpResponse:
    org = settings_org(request)
    profiles = {
        t.user_id: t
        for t in Technician.objects.filter(organization=org)
        .select_related("home_station")
        .prefetch_related("skills")
    }
    rows = [(user, profiles.get(user.pk)) for user in _accounts(org)]
    return settings_render(
        request,
        "dispatch/settings/technicians.html",
        {"settings_section": AREA, "rows": rows, "missing": sum(1 for _u, t in rows if t is None)},
    )


@settings_admin_required
def technician_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    org = settings_org(request)
    member = get_or_404(_accounts(org), pk=user_id)
    tech = Technician.objects.filter(user=member).prefetch_related("skills").first()
    initial: dict[str, Any] = {}
    if tech is not None:
        skills = list(tech.skills.all())
        initial = {
            "home_station": tech.home_station_id,
            "max_jobs_per_day": tech.max_jobs_per_day,
            "is_active": tech.is_active,
            "level": max((s.level for s in skills), default=SkillLevel.INTERMEDIATE),
            "categories": [s.code for s in skills if s.kind == SkillKind.CATEGORY],
            "work": [s.code for s in skills if s.kind == SkillKind.WORK],
            "certifications": [s.code for s in skills if s.kind == SkillKind.CERTIFICATION],
        }
    form = TechnicianForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        technician_profile_save(
            organization=org,
            actor=request.user,
            user=member,
            home_station=data["home_station"],
            max_jobs_per_day=data["max_jobs_per_day"],
            is_active=data["is_active"],
            skills=_skill_rows(data),
        )
        messages.success(
            request, _("已保存 %(name)s 的工程师档案。") % {"name": member.get_full_name() or member.username}
        )
        return redirect("dispatch:settings-technicians")
    return settings_render(
        request,
        "dispatch/settings/technician_edit.html",
        {
            "settings_section": AREA,
            "member": member,
            "tech": tech,
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )
