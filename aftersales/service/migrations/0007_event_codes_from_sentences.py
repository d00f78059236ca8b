"""Give system sentences written before codes existed their code and parameters.

A stored reason that matches one registered sentence exactly (``service.event_text``: each
sentence's placeholders become the regex's groups) gets that code and the parsed parameters;
anything else (text people typed, sentences since reworded) stays as it is, without a code, and
is shown as stored. ``reason`` itself is never changed, so this is safe to run twice; going
back past 0006 drops the columns, so the reverse has nothing to do.
"""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from aftersales.service import event_text

    RequestEvent = apps.get_model("service", "RequestEvent")
    rows = RequestEvent.objects.filter(code="").exclude(reason="").order_by("pk").values_list("pk", "reason")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        changed = []
        for pk, reason in batch:
            found = event_text.parse_legacy(reason)
            if found is not None:
                changed.append(RequestEvent(pk=pk, code=found.code, params=event_text.as_value(found)["params"]))
        RequestEvent.objects.bulk_update(changed, ["code", "params"], batch_size=500)
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("service", "0006_event_code_params")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
