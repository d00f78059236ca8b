from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from aftersales.accounts.models import User
from aftersales.demo.context import DEMO_PASSWORD
from aftersales.demo.generate import already_loaded, load_demo


class Command(BaseCommand):
    help = "Load the realistic demo data set (three organizations, staff in every role, sales)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if already_loaded():
            self.stdout.write("The demo data is already loaded.")
            self._print_accounts()
            return
        started = time.perf_counter()
        ctx = load_demo(seed=options["seed"], report=lambda line: self.stdout.write("  " + line))
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.perf_counter() - started:.1f} s."))
        self._print_accounts(ctx.accounts)

    def _print_accounts(self, accounts: list[tuple[str, str, str]] | None = None) -> None:
        if accounts is None:
            accounts = [
                (u.username, u.get_role_display(), u.organization.name if u.organization else "—")
                for u in User.objects.select_related("organization")
                .filter(email__endswith="@demo.aftersales.local")
                .order_by("organization__name", "username")
            ]
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, org in accounts:
            self.stdout.write(f"  {username:<24} {role:<8} {org}")
