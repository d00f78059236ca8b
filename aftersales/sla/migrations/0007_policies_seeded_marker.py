"""The default calendar's own marker for "this organization was given its default policies".

Before, the calendar's existence was the marker, so an organization whose default calendar was
made by dispatch (the board, a station calendar) before its first request never got policies and
its requests ran without clocks. This migration repairs such databases: each organization with a
default calendar and policies is marked; one with a default calendar and no policy at all gets
the default policies (as they stand at this migration, frozen below), and its requests' empty SLA
rows are dropped so the ``sla.check`` job's backfill replays them against the new policies.
"""

from django.db import migrations, models
from django.utils import timezone

H = 60
DAY = 8 * H
W, C = "working", "calendar"
COMMON = (("75% 预警：通知处理人", 75, None, "", 0, ()),
          ("超时：通知处理人和班长，提高优先级", 100, None, "", 0, ("org_admin",)))
POLICIES = (
    ("咨询：2 个工作小时内答复", 10, ["consultation"],
     (("first_response", 2 * H, W), ("next_response", 2 * H, W)), COMMON),
    ("投诉：24 小时内给出解决方案", 20, ["complaint"],
     (("first_response", H, W), ("next_response", 2 * H, W), ("resolution", 24 * H, C)),
     (*COMMON, ("一级升级：班长", None, 4 * H, "resolution", 1, ("org_admin",)),
      ("二级升级：服务经理", None, 12 * H, "resolution", 2, ("quality_manager",)))),
    ("退换货：3 个工作日内处理", 30, ["return", "exchange", "refund"],
     (("first_response", 4 * H, W), ("next_response", 4 * H, W), ("return_processing", 3 * DAY, W)), COMMON),
    ("上门服务：5 个工作日内解决", 40, ["installation", "repair", "maintenance"],
     (("first_response", 4 * H, W), ("next_response", 4 * H, W), ("onsite_arrival", 2 * DAY, W),
      ("resolution", 5 * DAY, W)), COMMON),
    ("其他：1 个工作日内首次响应", 100, [],
     (("first_response", DAY, W), ("next_response", DAY, W)), COMMON),
)


def repair(apps, schema_editor):
    ServiceCalendar = apps.get_model("sla", "ServiceCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    RequestSla = apps.get_model("sla", "RequestSla")
    SlaPause = apps.get_model("sla", "SlaPause")
    now = timezone.now()
    for calendar in ServiceCalendar.objects.filter(station__isnull=True, policies_seeded_at__isnull=True):
        org_id = calendar.organization_id
        if not SlaPolicy.objects.filter(organization_id=org_id).exists():
            for name, position, kinds, targets, rules in POLICIES:
                policy = SlaPolicy.objects.create(organization_id=org_id, name=name, position=position, kinds=kinds,
                                                  updated_at=now)
                SlaTarget.objects.bulk_create(SlaTarget(policy=policy, metric=m, minutes=n, basis=b)
                                              for m, n, b in targets)
                EscalationRule.objects.bulk_create(
                    EscalationRule(policy=policy, name=rname, metric=metric, threshold_percent=percent,
                                   after_minutes=after, level=level, notify_assignee=True, notify_roles=list(roles),
                                   raise_priority=percent == 100, position=i)
                    for i, (rname, percent, after, metric, level, roles) in enumerate(rules))
            orphans = list(RequestSla.objects.filter(request__organization_id=org_id, policy__isnull=True)
                           .values_list("request_id", flat=True))
            for start in range(0, len(orphans), 1000):
                SlaPause.objects.filter(request_id__in=orphans[start:start + 1000]).delete()
                RequestSla.objects.filter(request_id__in=orphans[start:start + 1000]).delete()
        ServiceCalendar.objects.filter(pk=calendar.pk).update(policies_seeded_at=now)


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0006_request_sla_lean'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicecalendar',
            name='policies_seeded_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='默认时效政策生成时间'),
        ),
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
