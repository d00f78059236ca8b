"""Background jobs for service requests.

Email-in from a mailbox folder: a mail server (or fetchmail, or a person) drops RFC 822 files
into ``<AFTERSALES_MAILBOX_DIR>/<org-slug>/new/``. Each run ingests them through
``intake.ingest_email`` and moves each file to ``cur/`` when done, or to ``failed/`` when it
cannot be read as a message, so the folder itself shows what was handled.
"""

from __future__ import annotations

import fcntl
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from aftersales.accounts.models import Organization
from aftersales.jobs.registry import job
from aftersales.service import intake, pending

log = logging.getLogger(__name__)
MAX_FILES_PER_RUN = 500


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        # The same file name delivered again: keep both rather than overwrite the first.
        target = folder / f"{path.stem}.{timezone.now():%Y%m%d%H%M%S%f}{path.suffix}"
    os.replace(path, target)
    return target


def _pending(new: Path) -> list[Path]:
    # Maildir writers put finished files in new/ with one rename; dotfiles are someone's
    # half-written temporary files.
    return sorted(p for p in new.iterdir() if p.is_file() and not p.name.startswith("."))


def ingest_folder(
    *, organization: Organization, folder: Path, limit: int = MAX_FILES_PER_RUN
) -> dict[str, int]:
    """Ingest the files in ``folder/new``; returns counts of created, appended and failed."""
    counts = {"created": 0, "appended": 0, "failed": 0}
    new = folder / "new"
    if not new.is_dir():
        return counts
    with (folder / ".lock").open("a") as lock:
        try:
            # Two runners on one machine would otherwise read the same file twice at once.
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return counts
        for path in _pending(new)[:limit]:
            try:
                raw = path.read_bytes()
                _request, created = intake.ingest_email(organization=organization, raw=raw)
            except FileNotFoundError:
                continue  # taken by someone else a moment ago
            except DatabaseError:
                # The database, not the message, is the problem: leave the file for the next run.
                raise
            except Exception as exc:  # a message that cannot be read goes aside, whatever broke
                moved = _move(path, folder / "failed")
                counts["failed"] += 1
                log.warning(
                    "mailbox message failed",
                    extra={
                        "organization": organization.slug,
                        "file": moved.name,
                        "reason": f"{type(exc).__name__}: {exc}",
                    },
                )
                continue
            _move(path, folder / "cur")
            counts["created" if created else "appended"] += 1
    return counts


@job("service.ingest_mailbox", every=timedelta(seconds=30))
def ingest_mailbox() -> dict[str, int]:
    """Every organization's ``new/`` folder, ingested; safe to run twice (Message-ID dedupes)."""
    root = Path(settings.AFTERSALES_MAILBOX_DIR)
    totals = {"created": 0, "appended": 0, "failed": 0}
    if not root.is_dir():
        return totals
    slugs = [p.name for p in root.iterdir() if (p / "new").is_dir()]
    for org in Organization.objects.filter(slug__in=slugs).order_by("slug"):
        for key, n in ingest_folder(organization=org, folder=root / org.slug).items():
            totals[key] += n
    if any(totals.values()):
        # "created" is a LogRecord attribute of its own, so the counts get a prefix.
        log.info("mailbox ingested", extra={f"mail_{k}": n for k, n in totals.items()})
    return totals


@job("service.expire_pending_uploads", every=timedelta(hours=1))
def expire_pending_uploads() -> int:
    """Files kept for a re-shown form that no submit claimed within a day; safe to run twice."""
    return pending.expire_pending()
