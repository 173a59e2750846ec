import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotate.exporting import FORMATS, export
from annotate.exporting.rows import CSV_FORMULAS, ExportFilterError, export_blocks, export_meta, select_for_export
from annotate.exporting.semeval import OVERLAPS, TASKS
from annotate.models import Annotation, Project, Segment
from annotate.techniques import SCHEMES


class Command(BaseCommand):
    help = "Export a project's annotated sentences, streamed, in one of several formats."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--format", required=True, choices=list(FORMATS), dest="fmt")
        parser.add_argument("--output", help="file to write (default: standard output)")
        for name in ("document", "status", "annotator", "layer", "label"):
            parser.add_argument(f"--{name}", help=f"only this {name}")
        parser.add_argument("--csv-formulas", choices=CSV_FORMULAS, default="escape",
                            help="csv: 'escape' prefixes cells that start with =, +, -, @, tab or CR with a single "
                                 "quote (default); 'keep' writes them verbatim")
        parser.add_argument("--scheme", choices=SCHEMES,
                            help="semeval: the technique names and layout of SemEval-2020 Task 11 (default) or "
                                 "SemEval-2023 Task 3 subtask 3")
        parser.add_argument("--task", choices=TASKS,
                            help="semeval, scheme 2020: 'tc' technique classification (default) or 'si' span "
                                 "identification")
        parser.add_argument("--overlaps", choices=OVERLAPS,
                            help="semeval, task si: 'merge' overlapping spans of an article into their union, as "
                                 "the SI scorer wants a submission (default), or 'keep' every span as stored")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="prefix for ids in w3c output")

    def handle(self, *, project, fmt, output, base_url, csv_formulas="escape", scheme=None, task=None,
               overlaps=None, **options):
        try:
            project = Project.objects.select_related("codebook").get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"unknown project '{project}'") from None
        params = {name: options[name] for name in ("document", "status", "annotator", "layer", "label")}
        try:
            documents, annotations, echo = select_for_export(
                project=project, annotations=Annotation.objects.all(), params=params
            )
            meta = export_meta(project=project, filters=echo, base_url=base_url, csv_formulas=csv_formulas, fmt=fmt,
                               scheme=scheme, task=task, overlaps=overlaps)
        except ExportFilterError as error:
            raise CommandError(str(error)) from None
        total = Segment.objects.filter(document__in=documents).count()
        bar = tqdm(total=total, unit="sentence", disable=options["verbosity"] == 0 or not output, file=sys.stderr)
        blocks = (
            {**block, "segments": counted(block["segments"], bar)}
            for block in export_blocks(documents=documents, annotations=annotations)
        )
        chunks = export(fmt, blocks, meta)
        out = open(output, "wb") if output else sys.stdout.buffer  # closed in the finally below
        try:
            for chunk in chunks:
                out.write(chunk)
        finally:
            bar.close()
            if output:
                out.close()
        if output:
            self.stderr.write(f"wrote {output} ({FORMATS[fmt].description})")


def counted(segments, bar):
    """Pass segments through, ticking the progress bar."""
    for segment in segments:
        bar.update()
        yield segment
