"""The codebook pages of a project's settings: versions, the draft editor, the diff, JSON export and import."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotate import codebook_drafts as drafts
from annotate.access import managed
from annotate.codebook_diff import count_changes, diff_codebooks
from annotate.codebooks import versions_of
from annotate.models import Label, Layer
from annotate.techniques import LABEL_TECHNIQUES

MAX_IMPORT_BYTES = 1_000_000


class FormProblem(drafts.DraftError):
    """A form field that cannot be read."""


@login_required
def codebook_page(request, slug):
    """Show the project's codebook versions, with diffs, the draft, export, import and moves."""
    project = managed(request, slug)
    versions = list(versions_of(project).select_related("created_by"))
    return render(request, "annotate/codebook_versions.html", {
        "project": project, "versions": versions, "draft": drafts.open_draft(project),
        "newer": [v for v in versions if not v.is_draft and v.version > project.codebook.version],
    })


@login_required
@require_POST
def start(request, slug):
    """Open the project's draft of its next codebook version, starting one if needed."""
    project = managed(request, slug)
    drafts.start_draft(project=project, user=request.user)
    return redirect("project-codebook-draft", slug=slug)


@login_required
def editor(request, slug, *, error=None, status=200, refused=None):
    """Show the draft editor: problems, layers and labels as forms, and the diff against the base version.

    refused is the form of a refused edit of a layer or label: that row shows what was typed, not what is saved.
    """
    project = managed(request, slug)
    draft = drafts.open_draft(project)
    if draft is None:
        return redirect("codebook-versions", slug=slug)
    layers = list(draft.layers.prefetch_related("labels"))
    for layer in layers:
        layer.attributes_json = json.dumps(layer.attributes, indent=1, ensure_ascii=False)
        layer.endpoints_json = json.dumps(layer.relation_endpoints, ensure_ascii=False)
    if refused is not None:
        keep_typed(layers, refused)
    diff = diff_codebooks(draft.based_on, draft) if draft.based_on_id else None
    return render(request, "annotate/codebook_editor.html", {
        "project": project, "draft": draft, "layers": layers, "problems": drafts.check_draft(draft),
        "diff": diff, "changes": count_changes(diff) if diff else 0, "error": error,
        "scopes": Layer.Scope.choices, "techniques": LABEL_TECHNIQUES,
    }, status=status)


@login_required
@require_POST
def edit(request, slug, action):
    """Apply one edit of the draft from its form; show the editor with the error when it is refused."""
    project = managed(request, slug)
    draft = drafts.open_draft(project)
    if draft is None or action not in EDITS:
        return HttpResponseBadRequest("no such edit, or the project has no draft")
    try:
        done = EDITS[action](draft, request)
    except drafts.DraftError as error:
        stale = isinstance(error, drafts.StaleDraft)
        return editor(request, slug, error=str(error), status=409 if stale else 400,
                      refused=None if stale else {"action": action, **request.POST.dict()})
    messages.success(request, done)
    return redirect("codebook-versions" if action in ("publish", "discard") else "project-codebook-draft", slug=slug)


@login_required
def diff(request, slug):
    """Show the changes between two versions of the project's lineage (?from=<id>&to=<id>)."""
    project = managed(request, slug)
    ends = {}
    for end in ("from", "to"):
        value = request.GET.get(end, "")
        if as_id(value) is None:
            return HttpResponseBadRequest(f"{end}: give the id of a codebook version")
        ends[end] = get_object_or_404(versions_of(project), pk=as_id(value))
    changes = diff_codebooks(ends["from"], ends["to"])
    return render(request, "annotate/codebook_diff.html", {
        "project": project, "old": ends["from"], "new": ends["to"], "diff": changes, "changes": count_changes(changes),
    })


@login_required
def export(request, slug, codebook_id):
    """Download a version the project uses or drafted as a JSON file."""
    codebook = get_object_or_404(versions_of(managed(request, slug)), pk=codebook_id)
    response = JsonResponse(drafts.export_data(codebook), json_dumps_params={"indent": 1, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{codebook.key}-v{codebook.version}.json"'
    return response


@login_required
@require_POST
def import_json(request, slug):
    """Import an uploaded codebook JSON file as the project's new draft."""
    project = managed(request, slug)
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size > MAX_IMPORT_BYTES:
            raise FormProblem("file: choose a codebook .json file (at most 1 MB)")
        drafts.import_draft(project=project, user=request.user, data=read_json(upload.read(), "file"))
    except drafts.DraftError as error:
        messages.error(request, f"Nothing imported: {error}")
        return redirect("codebook-versions", slug=slug)
    return redirect("project-codebook-draft", slug=slug)


def read_json(raw, field):
    """Return parsed JSON, or raise FormProblem naming the field."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise FormProblem(f"{field}: not valid JSON ({error})") from None


def as_id(value):
    """Return a posted id as an int, or None when it is not one a table can hold."""
    return int(value) if value.isdigit() and len(value) < 10 else None


def keep_typed(layers, refused):
    """Put the refused form's values on its layer or label, unsaved, so the editor shows them again."""
    typed = {name: value for name, value in refused.items() if name in LABEL_TEXT or name in LAYER_TEXT}
    if refused["action"] == "layer":
        rows = [layer for layer in layers if str(layer.pk) == refused.get("layer")]
        typed |= {"attributes_json": refused.get("attributes", ""), "endpoints_json": refused.get(
            "relation_endpoints", ""), "multiple": refused.get("multiple") == "on"}
    elif refused["action"] == "label":
        rows = [label for layer in layers for label in layer.labels.all() if str(label.pk) == refused.get("label")]
    else:
        return
    for found in rows:
        for name, value in typed.items():
            setattr(found, name, value)


def row(model, draft, request, field):
    """Return the draft's layer or label whose id the form posted in field."""
    rows = Layer.objects.filter(codebook=draft) if model is Layer else (
        Label.objects.select_related("layer").filter(layer__codebook=draft))
    found = rows.filter(pk=as_id(request.POST.get(field, ""))).first()
    if found is None:
        raise FormProblem(f"{field}: no such {model.__name__.lower()} in the draft")
    return found


def fields(request, names):
    """Return the posted text fields among names."""
    return {name: request.POST[name] for name in names if name in request.POST}


def layer_fields(request):
    """Return a layer's posted fields, the JSON ones parsed."""
    posted = fields(request, ("key", "name", "description", "scope"))
    posted["multiple"] = request.POST.get("multiple") == "on"
    for name in ("attributes", "relation_endpoints"):
        if name in request.POST:
            posted[name] = read_json(request.POST[name] or ("[]" if name == "attributes" else "{}"), name)
    return posted


def _edit(service, done, **extra):
    """Return an edit: call the service with the draft, the revision seen, the user and the posted arguments."""
    def run(draft, request):
        kwargs = {name: make(draft, request) for name, make in extra.items()}
        kwargs = {**kwargs.pop("fields", {}), **kwargs}
        service(draft=draft, revision=request.POST.get("revision", ""), user=request.user, **kwargs)
        return done
    return run


def _layer(draft, request):
    return row(Layer, draft, request, "layer")


def _label(draft, request):
    return row(Label, draft, request, "label")


LABEL_TEXT = ("key", "name", "definition", "example", "color", "hotkey", "technique")
LAYER_TEXT = ("key", "name", "description", "scope")
EDITS = {
    "layer": _edit(drafts.update_layer, "Layer saved.", layer=_layer, fields=lambda d, r: layer_fields(r)),
    "layer-add": _edit(drafts.add_layer, "Layer added.",
                       fields=lambda d, r: {"key": "", "name": "", "scope": "", **layer_fields(r)}),
    "layer-remove": _edit(drafts.remove_layer, "Layer removed.", layer=_layer),
    "label": _edit(drafts.update_label, "Label saved.", label=_label, fields=lambda d, r: fields(r, LABEL_TEXT)),
    "label-add": _edit(drafts.add_label, "Label added.", layer=_layer,
                       fields=lambda d, r: {"key": "", "name": "", **fields(r, LABEL_TEXT)}),
    "label-remove": _edit(drafts.remove_label, "Label removed.", label=_label),
    "label-merge": _edit(drafts.merge_labels, "Labels merged.", label=_label,
                         into=lambda d, r: row(Label, d, r, "into")),
    "label-split": _edit(drafts.split_label, "Label split.", label=_label,
                         key=lambda d, r: r.POST.get("split_key", ""), name=lambda d, r: r.POST.get("split_name", "")),
    "publish": _edit(drafts.publish, "Published: projects can now move to this version."),
    "discard": _edit(drafts.discard_draft, "Draft discarded."),
}
