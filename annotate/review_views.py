"""Reviewer pages: every annotator's tags side by side, adjudication into gold, the disputed queue, discussion."""


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotate.access import membership_for, reviewable
from annotate.api.serializers import CodebookSerializer
from annotate.models import Annotation, Codebook, Label, Layer, Membership, Segment, SegmentComment
from annotate.review_workspace import MAX_WINDOW, disputed_sentences, outline, window
from annotate.reviewing import review_annotations
from annotate.tags import TagError
from annotate.validation import MAX_COMMENT, check_comment_text


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
    scopes = dict(Label.objects.filter(layer__codebook_id=project.codebook_id).values_list("pk", "layer__scope"))
    rows = disputed_sentences(request.user, documents, scopes)
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
