import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotate.importing import ArticleImportError, article_paths, import_article, read_article
from annotate.models import Project


class Command(BaseCommand):
    help = "Import UTF-8 .txt or .md articles (or directories of them) into a project, one transaction per file."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="article files or directories")
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--source", default="", help="outlet name (default: the article's 'Source:' line)")

    def handle(self, *, paths, project, source, **options):
        try:
            project = Project.objects.get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"unknown project '{project}' (create it first, or run load_demo)") from None
        files = list(article_paths(paths))
        if not files:
            raise CommandError("no .txt or .md files found in " + ", ".join(paths))
        failures = 0
        show_bar = len(files) > 1 and options["verbosity"] > 0
        for path in tqdm(files, unit="file", disable=not show_bar, file=sys.stderr):
            try:
                result = import_article(project=project, name=str(path), raw=read_article(path), source_name=source)
            except ArticleImportError as error:
                failures += 1
                self.stderr.write(f"error: {error}")
                continue
            document = result.document
            if result.created:
                self.stdout.write(f"imported {path}: document {document.pk}, {document.segments.count()} segments")
            else:
                self.stdout.write(f"skipped {path}: same text already imported as document {document.pk}")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files were not imported")
