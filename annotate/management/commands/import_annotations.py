import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotate.interchange.formats import FORMATS, get_format
from annotate.interchange.inputs import InputFile
from annotate.interchange.load import import_files
from annotate.interchange.report import ImportOptionError, render
from annotate.models import Project
from annotate.restoring import RestoreError, parse_export, restore_export


class Command(BaseCommand):
    help = ("Import annotations into a project, all or nothing: our json export (the default) restored, or "
            "another format's files (SemEval, ...) through the label mapping; prints what was imported and refused.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="json: a file written by `export_annotations --format json`; other formats: files "
                                 "or directories (read recursively for the format's files)")
        parser.add_argument("--format", dest="fmt", default="json", choices=list(FORMATS),
                            help="the format of the files (default json)")
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--user", required=True, help="a manager of the project, recorded in the history")
        parser.add_argument("--map-user", action="append", default=[], metavar="NAME=ACCOUNT",
                            help="json: attribute the file's user NAME to ACCOUNT (repeatable); unmapped names map "
                                 "to the account of the same name")
        parser.add_argument("--create-users", action="store_true",
                            help="json: create accounts (no password, annotator role) for names that have none")
        parser.add_argument("--annotator", help="import every tag as this one account, e.g. semeval-gold (created "
                                                "if missing, inactive, as an annotator of the project)")
        parser.add_argument("--mapping", metavar="FILE", help='a JSON object of foreign label names to "layer:label" '
                                                              "(or null to drop the name), before the built-in tables")
        parser.add_argument("--span-label", metavar="LAYER:LABEL",
                            help="the label of spans that have no technique (SemEval-2020 SI)")
        parser.add_argument("--partial", action="store_true", help="import what can be mapped, report the rest")
        parser.add_argument("--dry-run", action="store_true", help="report what would be imported, save nothing")

    def handle(self, *, paths, fmt, project, user, **options):
        try:
            project = Project.objects.select_related("codebook").get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"unknown project '{project}'") from None
        importer = get_user_model().objects.filter(username=user).first()
        if importer is None:
            raise CommandError(f"unknown user '{user}'")
        user_map = self.user_map(options["map_user"])
        if fmt == "json" and not any(options[name] for name in ("annotator", "mapping", "span_label", "partial",
                                                                 "dry_run")):
            if len(paths) != 1:
                raise CommandError("the json format takes one file, a json export")
            return self.restore(paths[0], project, importer, user_map, options["create_users"])
        mapping = read_bounded(options["mapping"]) if options["mapping"] else None
        try:
            report = import_files(
                project=project, format_key=fmt, files=list(collect(paths, get_format(fmt))), user=importer,
                mapping=mapping, annotator=options["annotator"], span_label=options["span_label"],
                partial=options["partial"], dry_run=options["dry_run"], user_map=user_map,
                create_users=options["create_users"],
            )
        except ImportOptionError as error:
            option = {"files": "", "user": "--user ", "format": "--format "}.get(error.field, f"--{error.field} ")
            raise CommandError(f"{option.replace('_', '-')}{error}; nothing was imported") from None
        if options["verbosity"] > 1:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        text = render(report)
        if "refused" in report["result"]:
            raise CommandError(text)
        self.stdout.write(text)

    def user_map(self, pairs):
        user_map = {}
        for pair in pairs:
            name, equals, account = pair.partition("=")
            if not equals:
                raise CommandError(f"--map-user {pair!r}: expected NAME=ACCOUNT")
            user_map[name] = account
        return user_map

    def restore(self, path, project, importer, user_map, create_users):
        raw = read_bounded(path)
        try:
            summary = restore_export(project=project, data=parse_export(raw), user=importer, user_map=user_map,
                                     create_users=create_users)
        except RestoreError as error:
            where = "--map-user " if error.field == "user_map" else "--user " if error.field == "user" else ""
            raise CommandError(f"{path}: {where}{error}; nothing was imported") from None
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items()))


def read_bounded(path, limit=None):
    """Read a file, refusing one over the limit (the restore limit by default) before reading it all."""
    limit = limit or settings.RESTORE_MAX_BYTES
    try:
        with open(path, "rb") as file:
            raw = file.read(limit + 1)
    except OSError as error:
        raise CommandError(f"{path}: cannot read it ({error})") from None
    if len(raw) > limit:
        raise CommandError(f"{path}: over the {limit:,}-byte limit; nothing was imported")
    return raw


def collect(paths, fmt):
    """Yield the files named, and the format's files found below the directories named, in name order.

    A file found in a directory is named by its path below that directory, so the report shows where it is.
    """
    total = 0
    for path in map(Path, paths):
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                file = InputFile(str(found.relative_to(path)), read_bounded(found))
                if fmt.accepts(file):
                    total += len(file.data)
                    yield file
        else:
            file = InputFile(path.name, read_bounded(path))
            total += len(file.data)
            yield file
        if total > settings.RESTORE_MAX_BYTES:
            raise CommandError(f"the files are over {settings.RESTORE_MAX_BYTES:,} bytes together: import them in "
                               "parts; nothing was imported")
