from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from itops.choices import TokenScope
from itops.errors import DomainError
from itops.models import User
from itops.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scopes",
            nargs="+",
            default=[TokenScope.READ],
            choices=TokenScope.values,
            help="One or more of: " + ", ".join(TokenScope.values),
        )
        parser.add_argument("--name", help="A name to recognise the token by (default: cli-N).")
        parser.add_argument("--expires-in-days", type=int, help="Expire after this many days.")

    def handle(self, *args, username, scopes, name, expires_in_days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        name = name or f"cli-{user.api_tokens.count() + 1}"
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, secret = create_api_token(
                user=user, name=name, scopes=scopes, expires_at=expires_at
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stderr.write(
            f"Token {token.name!r} for {user.username} with scopes {', '.join(token.scopes)}"
            + (f", expiring {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "")
            + ". It is shown once:"
        )
        self.stdout.write(secret)
