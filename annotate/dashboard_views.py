"""The dashboard pages: figures from annotate.dashboard, with links to their sentences and SVG charts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from annotate import agreement_cache
from annotate.api.permissions import role_in
from annotate.models import Annotation, Membership, Project, Segment

MAX_LINKED_SENTENCES = 500


def sentence_link(project, segments, ids):
    """Return a link to one sentence on the annotation page, or to the list of several, or None."""
    ids = sorted(ids)
    if not ids:
        return None
    if len(ids) == 1:
        document_id, index = segments[ids[0]][:2]
        # The annotation page counts sentences from 1, as it shows them.
        return f"{reverse('annotate-document', args=[project.slug, document_id])}#s{index + 1}"
    linked = ",".join(str(segment) for segment in ids[:MAX_LINKED_SENTENCES])
    return f"{reverse('dashboard-sentences', args=[project.slug])}?ids={linked}"


def add_links(figures, project, segments):
    """Give every figure with segment ids an href (and a disagreement_href) to the sentences behind it."""
    if isinstance(figures, list):
        for item in figures:
            add_links(item, project, segments)
    elif isinstance(figures, dict):
        for value in list(figures.values()):
            add_links(value, project, segments)
        if "segment_ids" in figures:
            figures["href"] = sentence_link(project, segments, figures["segment_ids"])
        if "disagreement_segment_ids" in figures:
            figures["disagreement_href"] = sentence_link(project, segments, figures["disagreement_segment_ids"])
    return figures


def bar_chart(title, bars, *, low=0.0, high=None, label_width=240, plot_width=240, row=24):
    """Return the geometry of a horizontal bar chart of (label, value or None, text, href) bars."""
    values = [value for _, value, _, _ in bars if value is not None]
    low = min([low, *values])
    high = max([high or 0, *values, low + 1])
    scale = plot_width / (high - low)
    zero = label_width + (0 - low) * scale
    drawn = []
    for i, (label, value, text, href) in enumerate(bars):
        end = zero if value is None else label_width + (value - low) * scale
        drawn.append({"label": label if len(label) <= 36 else label[:35] + "…", "full_label": label, "text": text,
                      "href": href, "x": min(zero, end), "width": abs(end - zero), "negative": (value or 0) < 0,
                      "y": i * row + 4, "text_y": i * row + row / 2 + 5, "height": row - 8})
    return {"title": title, "bars": drawn, "zero": zero, "label_x": label_width - 8,
            "value_x": label_width + plot_width + 8, "width": label_width + plot_width + 56,
            "height": len(bars) * row + 8}


def _number(value):
    """Return a score as the tables show it."""
    return "n/a" if value is None else f"{value:.2f}"


def add_charts(figures):
    """Attach a bar chart to each dashboard table that has one; return the charts of whole sections."""
    agreement_bars = [(layer["name"], layer["alpha"], _number(layer["alpha"]), layer["disagreement_href"])
                      for layer in figures["agreement"]["segment_layers"]]
    agreement_bars += [(f"{layer['name']} (tokens)", layer["token_alpha"], _number(layer["token_alpha"]),
                        layer["disagreement_href"]) for layer in figures["agreement"]["span_layers"]]
    for kind, measure in (("segment_layers", "alpha"), ("span_layers", "token_alpha")):
        for layer in figures["agreement"][kind]:
            layer["chart"] = bar_chart(f"{layer['name']}: {measure.replace('_', ' ')} per label", [
                (label["name"], label[measure], _number(label[measure]), label["disagreement_href"])
                for label in layer["labels"] if label["segment_ids"]], high=1.0)
    for layer in figures["distribution"]["layers"]:
        layer["chart"] = bar_chart(f"{layer['name']}: tags per label", [
            (label["name"], label["count"], str(label["count"]), label["href"])
            for label in layer["labels"] if label["count"] or label["gold"]])
    if figures["attribution"]:
        groups = figures["attribution"]["groups"]
        for table in figures["attribution"]["tables"]:
            table["chart"] = bar_chart(table["caption"], [
                (f"{row['name']} ({who})" if len(groups) > 1 else row["name"], cell["count"], str(cell["count"]),
                 cell["href"]) for row in table["rows"] for who, cell in zip(groups, row["cells"], strict=True)])
    if figures["missing"]:
        figures["missing"]["table"]["chart"] = bar_chart("Missing perspectives: flags per stakeholder", [
            (row["name"], row["total"], str(row["total"]), None) for row in figures["missing"]["table"]["rows"]])
    return {
        "progress": bar_chart("Sentences done per annotator (percent)", [
            (row["annotator"], row["percent"], f"{row['done']}/{row['total']}", row["href"])
            for row in figures["progress"]["annotators"]], high=100),
        "agreement": bar_chart("Krippendorff's alpha per layer", agreement_bars, low=-1.0 if any(
            value is not None and value < 0 for _, value, _, _ in agreement_bars) else 0.0, high=1.0),
    }


def review_project(request, slug):
    """Return a project the user reviews or manages: 404 for non-members, 403 for annotators."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not Membership.can_review(role_in(request, project.pk)):
        raise PermissionDenied("the dashboard is for the project's reviewers and managers")
    return project


@login_required
def dashboard(request, slug):
    """Show progress, agreement, label use, attribution and missing perspectives for a project."""
    project = review_project(request, slug)
    stamps = agreement_cache.read_stamps(project)
    figures, charts = agreement_cache.cached(project, "dashboard", stamps,
                                             lambda: dashboard_figures(project, request.user, stamps))
    return render(request, "annotate/dashboard.html", {"project": project, "figures": figures, "charts": charts})


def dashboard_figures(project, user, stamps):
    """Return the dashboard's figures, linked to their sentences, and its charts."""
    figures, segments = agreement_cache.dashboard_figures(project, user, stamps)
    add_links(figures, project, segments)
    return figures, add_charts(figures)


@login_required
def dashboard_sentences(request, slug):
    """List the sentences behind a dashboard figure with the tags the user may see."""
    project = review_project(request, slug)
    try:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.strip()]
    except ValueError:
        return HttpResponseBadRequest("ids: give sentence ids separated by commas, e.g. ?ids=1,2,3")
    tags = (
        Annotation.objects.visible_to(request.user)
        .select_related("label__layer", "annotator", "relation_content", "relation_source")
        .order_by("label__layer__order", "annotator__username", "start", "id")
    )
    segments = (
        Segment.objects.visible_to(request.user)
        .filter(document__project=project, pk__in=ids[:MAX_LINKED_SENTENCES])
        .select_related("document")
        .prefetch_related(Prefetch("annotations", queryset=tags, to_attr="tags"))
    )
    for segment in segments:
        segment.href = sentence_link(project, {segment.pk: (segment.document_id, segment.index)}, [segment.pk])
    return render(request, "annotate/dashboard_sentences.html",
                  {"project": project, "segments": segments, "truncated": len(ids) > MAX_LINKED_SENTENCES})
