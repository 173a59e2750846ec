"""Split a stored document again with the current splitter, carrying its annotations exactly, or refuse."""

from django.core.management.base import BaseCommand, CommandError

from annotate.models import Document
from annotate.resplitting import ResplitRefused, resplit_document


class Command(BaseCommand):
    help = (
        "Re-split a document's sentences with the current splitter. Sentences that do not change keep "
        "everything on them; span tags on changed sentences move with their offsets. The re-split is refused, "
        "changing nothing, if anything cannot be carried exactly."
    )

    def add_arguments(self, parser):
        parser.add_argument("document_id", type=int)
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; save nothing.")

    def handle(self, *args, document_id, dry_run, **options):
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            raise CommandError(f"no document with id {document_id}")
        try:
            result = resplit_document(document=document, user=None, dry_run=dry_run)
        except ResplitRefused as refused:
            raise CommandError(str(refused)) from None
        if not result.changed:
            self.stdout.write(f"document {document_id}: the sentences are already split as the splitter would")
            return
        for index, start, end, kind, text in result.removed:
            self.stdout.write(f"- [{index}] {start}-{end} {kind}: {text}")
        for index, start, end, kind, text in result.created:
            self.stdout.write(f"+ [{index}] {start}-{end} {kind}: {text}")
        verb = "would replace" if dry_run else "replaced"
        self.stdout.write(
            f"document {document_id}: {verb} {len(result.removed)} sentence(s) with {len(result.created)}, "
            f"kept {result.kept}, carried {result.moved} span tag(s)" + (" (dry run: nothing saved)" if dry_run else "")
        )
