from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotate.models import Project
from annotate.restoring import RestoreError, parse_export, restore_export


class Command(BaseCommand):
    help = "Restore a json export into a project, all or nothing; the file is checked as the API checks input."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by `export_annotations --format json`")
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--user", required=True, help="a manager of the project, recorded in the history")
        parser.add_argument("--map-user", action="append", default=[], metavar="NAME=ACCOUNT",
                            help="attribute the file's user NAME to ACCOUNT (repeatable); unmapped names map to "
                                 "the account of the same name")
        parser.add_argument("--create-users", action="store_true",
                            help="create accounts (no password, annotator role) for names that have none")

    def handle(self, *, path, project, user, map_user, create_users, **options):
        try:
            project = Project.objects.select_related("codebook").get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"unknown project '{project}'") from None
        importer = get_user_model().objects.filter(username=user).first()
        if importer is None:
            raise CommandError(f"unknown user '{user}'")
        user_map = {}
        for pair in map_user:
            name, equals, account = pair.partition("=")
            if not equals:
                raise CommandError(f"--map-user {pair!r}: expected NAME=ACCOUNT")
            user_map[name] = account
        try:
            with open(path, "rb") as file:
                raw = file.read(settings.RESTORE_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error})") from None
        if len(raw) > settings.RESTORE_MAX_BYTES:
            raise CommandError(f"{path}: over the {settings.RESTORE_MAX_BYTES:,}-byte limit; nothing was imported")
        try:
            summary = restore_export(project=project, data=parse_export(raw), user=importer, user_map=user_map,
                                     create_users=create_users)
        except RestoreError as error:
            where = "--map-user " if error.field == "user_map" else "--user " if error.field == "user" else ""
            raise CommandError(f"{path}: {where}{error}; nothing was imported") from None
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items()))
