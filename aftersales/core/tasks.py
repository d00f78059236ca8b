from datetime import timedelta

from aftersales.core.idempotency import purge_old
from aftersales.jobs.registry import job


@job("core.purge_idempotency_keys", every=timedelta(hours=1))
def purge_idempotency_keys() -> int:
    return purge_old()
