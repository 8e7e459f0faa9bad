import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cmdb import services
from cmdb.importing import FORMATS, IMPORT_FORMAT_HELP, plan_import_file
from itops.models import User


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the format description."""


class Command(BaseCommand):
    help = (
        "Import CIs and their relationships from a CSV or JSON file, in one transaction. Every "
        "row is checked first; if any is bad nothing is imported (unless --skip-invalid).\n\n"
        + IMPORT_FORMAT_HELP
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=_Formatter, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the .csv or .json file.")
        parser.add_argument(
            "--format", choices=FORMATS, help="csv or json; default: from the file's extension."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the good rows and report the bad ones as skipped.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Record the changes in the audit history as done by this user.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, format, skip_invalid, username, no_progress, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        by = None
        if username:
            by = User.objects.filter(username=username).first()
            if by is None:
                raise CommandError(f"No user named {username!r}.")

        plan = plan_import_file(path.read_bytes(), filename=path.name, format=format)

        def progress(rows):
            return tqdm(
                rows,
                total=len(plan.valid_rows),
                desc="Importing",
                unit="CI",
                file=sys.stderr,
                disable=True if no_progress or options["verbosity"] == 0 else None,
            )

        report = services.import_cis(plan=plan, by=by, skip_invalid=skip_invalid, progress=progress)

        for error in report.errors:
            self.stderr.write(f"{path.name}: {error}")
        if not report.imported:
            raise CommandError(
                f"{len(report.errors)} bad row(s) of {plan.total_rows}; nothing was imported."
            )
        for skipped in report.skipped:
            self.stderr.write(f"{path.name}: skipped {skipped}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {len(report.created)} created, "
                f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
                f"{report.relationships_added} relationship(s) added, "
                f"{len(report.skipped)} row(s) skipped."
            )
        )
