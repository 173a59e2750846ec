import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotate.models import Project
from annotate.restoring import RestoreError, restore_export


class Command(BaseCommand):
    help = "Import a json export into a project (restore or merge), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by `export_annotations --format json`")
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--user", help="username recorded as the importer in the history")

    def handle(self, *, path, project, user, **options):
        try:
            project = Project.objects.select_related("codebook").get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"unknown project '{project}'") from None
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"unknown user '{user}'")
        try:
            with open(path, "rb") as file:
                data = json.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: cannot read a JSON export ({error})") from None
        try:
            summary = restore_export(project=project, data=data, user=importer)
        except RestoreError as error:
            raise CommandError(f"{path}: {error}; nothing was imported") from None
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items()))
