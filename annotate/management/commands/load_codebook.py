from django.core.management.base import BaseCommand, CommandError

from annotate.codebooks import DEFAULT_CODEBOOK, CodebookError, load_codebook_file


class Command(BaseCommand):
    help = "Load a codebook version from JSON (default: the shipped source-bias and framing codebook)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_CODEBOOK))

    def handle(self, *, path, **options):
        try:
            codebook, created = load_codebook_file(path)
        except CodebookError as error:
            raise CommandError(str(error)) from None
        verb = "loaded" if created else "already present:"
        self.stdout.write(f"{verb} codebook '{codebook.key}' version {codebook.version}")
