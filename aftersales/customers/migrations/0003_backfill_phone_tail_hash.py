"""Fill ``phone_tail_hash`` for the customers written before it existed.

Batched by primary key (1,000 rows a batch, each its own ``bulk_update``) so 100k customers
never sit in memory at once and each statement stays small. Rows whose tail is already set are
skipped, so running it again, or after new rows were written with the field, is harmless.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 1000


def backfill(apps: Any, schema_editor: Any) -> None:
    from aftersales.core.crypto import phone_tail_hash

    Customer = apps.get_model("customers", "Customer")
    db = schema_editor.connection.alias
    last_pk = 0
    while True:
        batch = list(
            Customer.objects.using(db)
            .filter(pk__gt=last_pk, phone_tail_hash="")
            .order_by("pk")
            .only("pk", "phone")[:BATCH]
        )
        if not batch:
            return
        last_pk = batch[-1].pk
        changed = []
        for customer in batch:
            tail = phone_tail_hash(customer.phone or "")
            if tail:
                customer.phone_tail_hash = tail
                changed.append(customer)
        Customer.objects.using(db).bulk_update(changed, ["phone_tail_hash"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_phone_tail_hash")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
