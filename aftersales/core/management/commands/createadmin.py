from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from aftersales.accounts.models import Role, User


class Command(BaseCommand):
    help = "Create a platform administrator (asks for missing values unless --no-input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Prefer AFTERSALES_ADMIN_PASSWORD in scripts: argv is visible to others."
        )
        parser.add_argument("--no-input", action="store_true", dest="no_input")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        email = options["email"]
        password = options["password"] or os.environ.get("AFTERSALES_ADMIN_PASSWORD")
        if options["no_input"]:
            if not username or not password:
                raise CommandError(
                    "--no-input needs --username and --password (or AFTERSALES_ADMIN_PASSWORD)."
                )
        else:
            while not username:
                username = input("Username: ").strip()
            if not email:
                email = input("Email (optional): ").strip()
            while not password:
                first = getpass.getpass("Password: ")
                if first != getpass.getpass("Password (again): "):
                    self.stderr.write("Passwords differ; try again.")
                    continue
                password = first
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists.")
        user = User(
            username=username, email=email, role=Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
        self.stdout.write(self.style.SUCCESS(f"Platform administrator {username!r} created."))
