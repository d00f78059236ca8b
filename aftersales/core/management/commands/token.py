from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.accounts.models import User
from aftersales.accounts.tokens import token_create


class Command(BaseCommand):
    help = "Print a new API token for a user (for scripts and integrations). It is shown only once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--name", default="cli", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}.") from None
        if user.organization is None:
            raise CommandError(
                "API tokens belong to an organization; this user has none (customer or platform admin)."
            )
        _, raw = token_create(user=user, name=options["name"])
        self.stdout.write(raw)
