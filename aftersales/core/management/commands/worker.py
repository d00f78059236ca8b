from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.celery import app


class Command(BaseCommand):
    help = "Start a Celery worker (needs CELERY_BROKER_URL: Redis or RabbitMQ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError("Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to use Celery workers.")
        app.worker_main(
            ["worker", "--loglevel=INFO", f"--concurrency={options['concurrency']}", "-Q", "aftersales"]
        )
