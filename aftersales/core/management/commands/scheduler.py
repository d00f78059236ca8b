from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.celery import app


class Command(BaseCommand):
    help = "Start the Celery beat scheduler for periodic jobs (run exactly one per deployment)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "Set CELERY_BROKER_URL to use the Celery scheduler; `aftersales serve` schedules by itself."
            )
        app.start(["beat", "--loglevel=INFO", f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}"])
