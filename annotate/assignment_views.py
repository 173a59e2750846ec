"""Assignment pages: the manager's table of who annotates what, and an annotator's way to the next sentence."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotate import assignment
from annotate.access import managed, membership_for
from annotate.api.filters import MAX_ID
from annotate.models import Document, Project


def is_id(value):
    """Return whether a submitted value can be a row id on every database (SQLite overflows past 2**63 - 1)."""
    return str(value).isdigit() and 0 < int(value) <= MAX_ID


class IdChoice(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdsChoice(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        bad = next((item for item in value if not is_id(item)), None)
        if bad is not None:
            raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                        params={"pk": bad})
        return super()._check_values(value)


class StrategyForm(forms.Form):
    assigning = forms.ChoiceField(choices=Project.Assigning.choices, label="How work reaches annotators")


class WorkForm(forms.Form):
    """A document and some of the project's members: to give it to, or take it from."""

    document = IdChoice(queryset=Document.objects.none())
    annotators = IdsChoice(queryset=get_user_model().objects.none())

    def __init__(self, project, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(project=project).only("id", "title", "project_id")
        self.fields["annotators"].queryset = project.members.order_by("username")


class MoveForm(forms.Form):
    document = IdChoice(queryset=Document.objects.none())
    old = IdChoice(queryset=get_user_model().objects.none(), label="from")
    new = IdChoice(queryset=get_user_model().objects.none(), label="to")

    def __init__(self, project, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.filter(project=project).only("id", "title", "project_id")
        self.fields["old"].queryset = self.fields["new"].queryset = project.members.order_by("username")


def form_errors(form):
    """Return a form's errors as one line per field, naming it."""
    return "; ".join(f"{form.fields[name].label or name if name in form.fields else name}: {' '.join(errors)}"
                     for name, errors in form.errors.items())


def run(request, project, form, write, done):
    """Validate the form, run the write with its data, and say what became of it; then back to the page."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            result = write(**form.cleaned_data)
            messages.success(request, done(result))
        except assignment.AssignmentError as error:
            messages.error(request, f"{error.field}: {error}")
    return redirect("project-assignment", slug=project.slug)


@login_required
def assignment_page(request, slug):
    """Show who annotates what, with the strategy and the forms that change it."""
    project = managed(request, slug)
    documents, people, memberships = assignment.documents_table(project)
    return render(request, "annotate/assignment.html", {
        "project": project, "documents": documents, "people": people, "members": [m.user for m in memberships],
        "strategy_form": StrategyForm(initial={"assigning": project.assigning}),
        "automatic": project.assigning in (Project.Assigning.ROUND_ROBIN, Project.Assigning.BALANCED),
    })


@login_required
@require_POST
def set_strategy(request, slug):
    """Change the project's assignment strategy."""
    project = managed(request, slug)
    return run(request, project, StrategyForm(request.POST),
               lambda assigning: assignment.set_strategy(project=project, assigning=assigning, by=request.user),
               lambda _: f"Assignment is now: {project.get_assigning_display()}.")


@login_required
@require_POST
def auto_assign(request, slug):
    """Assign the documents by the project's strategy, topping up those already assigned."""
    project = managed(request, slug)
    return run(request, project, forms.Form(request.POST),
               lambda: assignment.auto_assign(project=project, by=request.user),
               lambda new: f"{len(new)} new document assignments.")


@login_required
@require_POST
def assign(request, slug):
    """Give one document to the chosen members."""
    project = managed(request, slug)
    return run(request, project, WorkForm(project, request.POST),
               lambda document, annotators: assignment.assign_documents(
                   project=project, documents=[document], annotators=annotators, by=request.user),
               lambda new: f"{new} new document assignments.")


@login_required
@require_POST
def unassign(request, slug):
    """Take one document away from the chosen members; their tags stay."""
    project = managed(request, slug)
    return run(request, project, WorkForm(project, request.POST),
               lambda document, annotators: assignment.unassign(
                   project=project, documents=[document], annotators=annotators, by=request.user),
               lambda removed: f"{removed} assignments taken away; tags already made stay.")


@login_required
@require_POST
def move(request, slug):
    """Move one member's work on a document to another; tags already made stay."""
    project = managed(request, slug)
    return run(request, project, MoveForm(project, request.POST),
               lambda document, old, new: assignment.reassign(
                   project=project, document=document, old=old, new=new, by=request.user),
               lambda _: "Work moved; tags already made stay with whoever made them.")


@login_required
@require_http_methods(["GET", "POST"])
def project_next(request, slug):
    """Go to my next undone sentence; a POST in a next-free project asks for more work when none is left."""
    project = membership_for(request, slug).project
    skip = request.GET.get("after", "")
    segment = assignment.next_sentence(project, request.user, skip_document=int(skip) if is_id(skip) else None)
    if segment is None and request.method == "POST" and project.assigning == Project.Assigning.NEXT_FREE:
        given = assignment.next_sentences(project=project, annotator=request.user, count=assignment.ASK_FOR)
        segment = given[0] if given else None
    if segment is None:
        messages.info(request, "Nothing left: every sentence assigned to you is done.")
        return redirect("document-list", slug=project.slug)
    # Sentences are counted from 1 in the page's order, as everywhere.
    position = segment.document.segments.filter(index__lt=segment.index).count() + 1
    return redirect(f"{reverse('annotate-document', args=[project.slug, segment.document_id])}#s{position}")
