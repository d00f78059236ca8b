from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aftersales.jobs import runner


class Command(BaseCommand):
    help = "Run background jobs from the database queue (the embedded runner, no broker needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            runner.schedule_periodic_now()
            ran = runner.run_pending(limit=10_000)
            self.stdout.write(f"ran {ran} job(s)")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        runner.run_forever(stop)
