from __future__ import annotations

import logging

from django.utils import timezone

from aftersales.customers import importing
from aftersales.customers.models import ImportJob
from aftersales.jobs.registry import job

log = logging.getLogger(__name__)
MAX_ERRORS_KEPT = 1000


@job("customers.import_sales", max_attempts=1)
def import_sales_job(import_id: int) -> None:
    # Claim it with a conditional update so running the job twice imports once.
    if not ImportJob.objects.filter(pk=import_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, phase="validate"
    ):
        return
    record = ImportJob.objects.select_related("organization").get(pk=import_id)

    def progress(phase: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=import_id).update(phase=phase, processed=done, total=total or done)

    try:
        with record.file.open("rb") as fh:
            result = importing.import_sales(
                organization=record.organization,
                source=fh,
                filename=record.filename,
                mode=record.mode,
                progress=progress,
            )
    except importing.ImportFileError as exc:
        ImportJob.objects.filter(pk=import_id).update(
            status=ImportJob.Status.REJECTED,
            errors=[{"line": 1, "field": "file", "reason": str(exc)}],
            finished_at=timezone.now(),
        )
        return
    except Exception as exc:
        log.exception("import failed", extra={"import_id": import_id})
        ImportJob.objects.filter(pk=import_id).update(
            status=ImportJob.Status.FAILED,
            errors=[{"line": 0, "field": "", "reason": f"{type(exc).__name__}: {exc}"}],
            finished_at=timezone.now(),
        )
        return
    ImportJob.objects.filter(pk=import_id).update(
        status=ImportJob.Status.DONE if result.committed else ImportJob.Status.REJECTED,
        result=result.as_dict(),
        errors=[
            {"line": e.line, "field": e.field, "reason": e.reason} for e in result.errors[:MAX_ERRORS_KEPT]
        ],
        processed=result.total_rows,
        total=result.total_rows,
        finished_at=timezone.now(),
    )
