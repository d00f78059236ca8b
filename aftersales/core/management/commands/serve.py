"""``aftersales serve``: migrate, collect static files, start the web server and the job runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication

from aftersales.accounts.models import Organization
from aftersales.core.startup import settle


class Command(BaseCommand):
    help = "Apply migrations, collect static files and run the production web server and background jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("AFTERSALES_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("AFTERSALES_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("AFTERSALES_THREADS", "4")))
        parser.add_argument(
            "--demo", action="store_true", help="Load the demo data first if the database is empty."
        )
        parser.add_argument("--no-jobs", action="store_true", help="Do not start the embedded job runner.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["demo"]:
            if Organization.objects.exists():
                self.stdout.write("Database already has data; not loading the demo.")
            else:
                call_command("demo")
        runner = None
        if not options["no_jobs"] and not settings.CELERY_BROKER_URL:
            # A process of its own: gunicorn forks its workers, and a thread in the arbiter
            # would be copied into none of them and complicate a clean shutdown.
            runner = subprocess.Popen([sys.executable, "-m", "aftersales", "runjobs"])  # noqa: S603
        host, port = options["host"], options["port"]
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        self.stdout.write(
            self.style.SUCCESS(f"aftersales is running at http://{shown}:{port}/  (Ctrl+C stops it)")
        )
        if settings.CELERY_BROKER_URL:
            self.stdout.write(
                "Background jobs go to Celery: run `aftersales worker` and `aftersales scheduler`."
            )
        try:
            self._gunicorn(host, port, options["workers"], options["threads"])
        finally:
            if runner is not None:
                runner.send_signal(signal.SIGTERM)
                try:
                    runner.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    runner.kill()

    def _gunicorn(self, host: str, port: int, workers: int, threads: int) -> None:
        # Imported here: importing it builds the WSGI application, which waits for the migrations.
        from aftersales.wsgi import application  # noqa: PLC0415

        class App(BaseApplication):
            def load_config(self) -> None:
                for key, value in {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "threads": threads,
                    "worker_class": "gthread",
                    "timeout": 120,
                    "graceful_timeout": 20,
                    "accesslog": None,  # our middleware logs each request as JSON
                    "errorlog": "-",
                }.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        # In the arbiter, before it forks: the workers inherit the frozen, shared objects.
        settle()
        App().run()
