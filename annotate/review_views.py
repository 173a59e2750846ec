"""Reviewer pages: every annotator's tags side by side, adjudication into gold, the disputed queue, discussion."""

import re
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotate.api.serializers import CodebookSerializer
from annotate.models import Annotation, Codebook, Label, Layer, Membership, Segment, SegmentComment, SegmentProgress
from annotate.review_workspace import MAX_WINDOW, disagreement, outline, window
from annotate.reviewing import review_annotations
from annotate.tags import TagError
from annotate.validation import MAX_COMMENT, check_comment_text

HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
TAG_FIELDS = (
    "id", "version", "document_id", "segment_id", "segment__index", "annotator__username", "label__layer__key",
    "label__layer__name", "label__layer__scope", "label__key", "label__name", "label__color", "start", "end",
    "quote", "attributes", "note", "status", "reviewer__username", "review_note", "gold",
    "relation_content_id", "relation_source_id",
)


@dataclass
class Row:
    """A sentence (or the whole article) with each annotator's tags, the gold tags and the disagreement."""

    document_id: int
    document_title: str
    segment_id: int | None
    index: int | None
    kind: str
    text: str
    start: int = 0  # the sentence's offsets in the document text
    end: int = 0
    tags: dict = field(default_factory=dict)  # annotator name -> list of tag dicts
    continued: list = field(default_factory=list)  # spans listed under an earlier sentence that run on into this one
    gold: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    participants: int = 0
    score: float | None = None  # None when fewer than two annotators worked on it
    disputed: int = 0
    columns: list = field(default_factory=list)  # the tags of each annotator, in column order

    @property
    def anchor(self):
        """Return the review page's fragment for this row: sentences count from 1, as the page shows them."""
        return f"s{self.index + 1}" if self.index is not None else "article"


def review_table(*, annotations, segments, progress, comments):
    """Return (annotator names, rows) for the given querysets, in a fixed number of queries."""
    tags = list(annotations.values(*TAG_FIELDS))
    by_id = {tag["id"]: tag for tag in tags}
    origins = {}
    for gold_id, name in Annotation.provenance.through.objects.filter(
        from_annotation__in=[tag["id"] for tag in tags if tag["gold"]]
    ).values_list("from_annotation_id", "to_annotation__annotator__username"):
        origins.setdefault(gold_id, set()).add(name)
    rows, by_segment, article = [], {}, {}
    for pk, document_id, title, index, kind, text, start, end in segments.order_by(
        "document_id", "index"
    ).values_list("id", "document_id", "document__title", "index", "kind", "text", "start", "end"):
        if document_id not in article:
            article[document_id] = Row(document_id, title, None, None, "article", "Whole article")
        by_segment[pk] = Row(document_id, title, pk, index, kind, text, start, end)
        rows.append(by_segment[pk])
    # Article-level tags come after the sentences, where a reader has seen what the article leaves out.
    rows = sorted([*rows, *article.values()], key=lambda row: (row.document_id, row.index is None))
    done = {}
    for segment_id, name in progress.values_list("segment_id", "annotator__username"):
        done.setdefault(segment_id, set()).add(name)
    for comment in comments.order_by("created_at", "id").values("segment_id", "author__username", "text",
                                                                 "created_at"):
        by_segment[comment["segment_id"]].comments.append(comment)
    annotators = set()
    for tag in tags:
        home = _place(tag, by_id, by_segment, article)
        if home is None:
            continue
        _mark_running_on(tag, home, rows)
        if tag["gold"]:
            tag["provenance"] = sorted(origins.get(tag["id"], ()))
            home.gold.append(tag)
        else:
            annotators.add(tag["annotator__username"])
            home.tags.setdefault(tag["annotator__username"], []).append(tag)
            home.disputed += tag["status"] == Annotation.Status.DISPUTED
    for row in rows:
        finished = done.get(row.segment_id, set())
        annotators |= finished
        _score(row, finished | set(row.tags))
    annotators = sorted(annotators)
    for row in rows:
        row.columns = [row.tags.get(name, []) for name in annotators]
    return annotators, rows


def _place(tag, by_id, by_segment, article):
    """Give a tag its comparison key and return the row it belongs to."""
    scope = tag["label__layer__scope"]
    # The colour lands in a style attribute, where escaping does not stop CSS injection.
    tag["color"] = tag["label__color"] if HEX_COLOR.fullmatch(tag["label__color"] or "") else "#888888"
    tag["key"] = (tag["label__layer__key"], tag["label__key"], tag["start"], tag["end"])
    # Text the template would otherwise assemble per tag: rendering, not querying, is this page's cost.
    tag["who"] = f"{tag['label__name']} by {tag['annotator__username']}"
    tag["ref"] = f"{tag['id']}:{tag['version']}"
    tag["attrs"] = "; ".join(f"{key}: {value}" for key, value in (tag["attributes"] or {}).items())
    if scope == Layer.Scope.DOCUMENT:
        tag["anchor"] = tag["segment__index"]
        return article.get(tag["document_id"])
    if scope != Layer.Scope.RELATION:
        return by_segment.get(tag["segment_id"])
    content, source = by_id.get(tag["relation_content_id"]), by_id.get(tag["relation_source_id"])
    tag["ends"] = [end["quote"] if end else "?" for end in (content, source)]
    tag["key"] += tuple((end["segment_id"], end["start"], end["end"]) if end else None for end in (content, source))
    return by_segment.get(content["segment_id"]) if content else None


def _mark_running_on(tag, home, rows):
    """List a span that runs past its sentence on each later sentence it covers, and note where it ends."""
    if tag["label__layer__scope"] != Layer.Scope.SPAN or tag["end"] is None or tag["end"] <= len(home.text):
        return
    doc_start, doc_end = home.start + tag["start"], home.start + tag["end"]
    covered = [row for row in rows if row.document_id == home.document_id and row.segment_id is not None
               and row is not home and row.start < doc_end and doc_start < row.end]
    for row in covered:
        row.continued.append(tag)
    if covered:
        tag["runs_to"] = covered[-1].index


def _score(row, participants):
    """Mark tags not given by every participant; score the row 1 - (tags all agree on / distinct tags)."""
    row.participants = len(participants)
    given = [{tag["key"] for tag in row.tags.get(name, [])} for name in participants]
    row.score = disagreement(given)
    if row.score is None:
        return
    for tags in row.tags.values():
        for tag in tags:
            tag["shared"] = sum(tag["key"] in keys for keys in given)
            tag["differs"] = tag["shared"] < len(participants)


def disputed_rows(rows):
    """Return the rows where annotators disagree or a tag is disputed, the most disputed first."""
    chosen = [row for row in rows if (row.score or 0) > 0 or row.disputed]
    return sorted(chosen, key=lambda row: (-(row.score or 0), -row.disputed, row.document_id, row.index or -1))


def table_for(user, documents):
    """Return the review table of some documents, as far as the user may see them."""
    return review_table(
        annotations=Annotation.objects.visible_to(user).filter(document__in=documents),
        segments=Segment.objects.visible_to(user).filter(document__in=documents),
        progress=SegmentProgress.objects.visible_to(user).filter(segment__document__in=documents),
        comments=SegmentComment.objects.visible_to(user).filter(segment__document__in=documents),
    )


def membership_for(request, slug):
    """Return the user's membership in the project, or 404 for a non-member."""
    membership = Membership.objects.select_related("project").filter(user=request.user, project__slug=slug).first()
    if membership is None:
        raise Http404("no such project")
    return membership


def reviewable(request, slug):
    """Return a project the user reviews or manages: 404 for a non-member, 403 for an annotator."""
    membership = membership_for(request, slug)
    if not Membership.can_review(membership.role):
        raise PermissionDenied("only reviewers and managers of this project may review tags")
    return membership.project


class CommentForm(forms.Form):
    segment = forms.IntegerField()
    text = forms.CharField(max_length=MAX_COMMENT, strip=True)
    next = forms.CharField(required=False)

    def clean_text(self):
        check_comment_text(self.cleaned_data["text"])
        return self.cleaned_data["text"]


class EditAcceptForm(forms.Form):
    """Edit a tag's label, span and attributes, then accept the edited copy into gold."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    label = forms.ModelChoiceField(queryset=Label.objects.none(), empty_label=None)
    note = forms.CharField(required=False, max_length=2000, label="Reviewer note")

    def __init__(self, annotation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        layer = annotation.label.layer
        self.fields["label"].queryset = layer.labels.all()
        self.fields["label"].label_from_instance = lambda label: label.name
        if layer.scope == Layer.Scope.SPAN:
            # A span may run on past its sentence, up to the end of the article (annotate.spans).
            limit = len(annotation.document.text) - annotation.segment.start
            self.fields["start"] = forms.IntegerField(min_value=0, max_value=limit,
                                                      help_text="characters from the start of the sentence")
            self.fields["end"] = forms.IntegerField(
                min_value=1, max_value=limit, help_text="exclusive; past the sentence's end it runs on into the next")
        for spec in layer.attributes:
            self.fields[f"attr_{spec['key']}"] = attribute_field(spec)
        self.fields["note"] = self.fields.pop("note")

    def edits(self):
        """Return the edits for reviewing.review_annotations."""
        data = self.cleaned_data
        attributes = {name[5:]: value for name, value in data.items() if name.startswith("attr_")}
        edits = {"label": data["label"], "attributes": {k: v for k, v in attributes.items() if v not in ("", None)}}
        edits.update({key: data[key] for key in ("start", "end") if key in data})
        return edits


def attribute_field(spec):
    """Return a form field for one declared attribute of a layer."""
    label = spec.get("name") or spec["key"].replace("_", " ")
    if spec.get("type") == "choice":
        choices = [("", "—"), *((value, value.replace("_", " ")) for value in spec.get("choices", []))]
        return forms.ChoiceField(choices=choices, required=False, label=label)
    if spec.get("type") == "bool":
        return forms.NullBooleanField(required=False, label=label)
    return forms.CharField(required=False, max_length=500, label=label)


def edit_initial(annotation):
    """Return the edit form's starting values: the tag as the annotator left it."""
    initial = {"version": annotation.version, "label": annotation.label_id, "start": annotation.start,
               "end": annotation.end}
    initial.update({f"attr_{key}": value for key, value in (annotation.attributes or {}).items()})
    return initial


def review_url(project, document_id, anchor=""):
    """Return the reviewer page of a document, at a sentence's row if an anchor is given."""
    url = reverse("review", args=[project.slug, document_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
def review_document(request, slug, doc_id):
    """Show the reviewer's workspace: the sentence list with its state; the sentences come from review_sentences."""
    project = reviewable(request, slug)
    document = get_object_or_404(project.documents.select_related("source"), pk=doc_id)
    codebook = Codebook.objects.prefetch_related("layers__labels").get(pk=project.codebook_id)
    export = reverse("project-export", args=[project.pk])
    return render(request, "annotate/review.html", {
        "project": project, "document": document, "page_data": {
            "me": request.user.username, "document": document.pk, "codebook": CodebookSerializer(codebook).data,
            **outline(request.user, document, {label.pk: layer.scope for layer in codebook.layers.all()
                                               for label in layer.labels.all()}),
            "urls": {"sentences": reverse("review-sentences", args=[project.slug, document.pk]),
                     "edit": reverse("review-edit", args=[project.slug, 0]), "review": "/api/annotations/0/review/",
                     "comments": "/api/segments/0/comments/"},
        },
        "gold_export": f"{export}?format=html&status=gold&document={document.pk}",
    })


class WindowForm(forms.Form):
    """Which sentences to send: from and to are 0-based and inclusive; -1 is the whole article's tags."""

    start = forms.IntegerField(min_value=-1, max_value=10**6)
    to = forms.IntegerField(min_value=-1, max_value=10**6)

    def clean(self):
        data = super().clean()
        if "start" in data and "to" in data and not 0 <= data["to"] - data["start"] < MAX_WINDOW:
            raise forms.ValidationError({"to": f"give at most {MAX_WINDOW} sentences, from start on"})
        return data


@login_required
def review_sentences(request, slug, doc_id):
    """Return a window of sentences with every annotator's tags, the gold tags and the discussion, as JSON."""
    project = reviewable(request, slug)
    document = get_object_or_404(project.documents.only("pk", "project_id"), pk=doc_id)
    form = WindowForm({"start": request.GET.get("from"), "to": request.GET.get("to")})
    if not form.is_valid():
        errors = {("from" if key == "start" else key): value for key, value in form.errors.items()}
        return JsonResponse(errors, status=400)
    return JsonResponse(window(request.user, document, form.cleaned_data["start"], form.cleaned_data["to"]))


@login_required
def review_queue(request, slug):
    """List the sentences of a project where annotators disagree, the most disputed first."""
    project = reviewable(request, slug)
    documents = project.documents.all()
    rows = disputed_rows(table_for(request.user, documents)[1])
    return render(request, "annotate/review_queue.html", {"project": project, "rows": rows,
                                                          "documents": documents.values("pk", "title")})


@login_required
def edit_and_accept(request, slug, pk):
    """Edit a tag (label, span, attributes) and accept the edited version into gold."""
    project = reviewable(request, slug)
    annotations = Annotation.objects.visible_to(request.user).filter(project=project, gold=False)
    related = annotations.select_related("label__layer", "segment", "document", "relation_content")
    annotation = get_object_or_404(related, pk=pk)
    form = EditAcceptForm(annotation, request.POST or None, initial=edit_initial(annotation))
    if request.method == "POST" and form.is_valid():
        try:
            review_annotations(reviewer=request.user, items=[(annotation.pk, form.cleaned_data["version"])],
                               action="accept", note=form.cleaned_data["note"], project=project, edits=form.edits())
        except TagError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Annotation {annotation.pk}: accepted with edits.")
            segment = annotation.segment or getattr(annotation.relation_content, "segment", None)
            anchor = f"s{segment.index + 1}" if segment else "article"
            return redirect(review_url(project, annotation.document_id, anchor))
    return render(request, "annotate/review_edit.html", {"project": project, "annotation": annotation, "form": form})


@login_required
@require_POST
def post_comment(request, slug, doc_id):
    """Add a comment to a sentence's discussion; any project member may write."""
    membership = membership_for(request, slug)
    form = CommentForm(request.POST)
    if form.is_valid():
        segments = Segment.objects.visible_to(request.user).filter(document__project=membership.project_id)
        segment = get_object_or_404(segments.filter(document_id=doc_id), pk=form.cleaned_data["segment"])
        SegmentComment.objects.create(segment=segment, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "Comment not added: write some text (at most 5,000 characters).")
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    if Membership.can_review(membership.role):
        return redirect(review_url(membership.project, doc_id))
    return redirect("annotate-document", slug, doc_id)
