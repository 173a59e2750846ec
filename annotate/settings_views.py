"""Pages where managers run a project: its settings, its members, the audit log; and making a new project."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from annotate import members
from annotate.access import managed
from annotate.models import AuditEntry, Membership
from annotate.project_settings import (
    CreateForm,
    SettingsForm,
    StaleSettings,
    create_project,
    may_create_projects,
    save_settings,
    settings_token,
)
from annotate.views import render_guidelines

AUDIT_PAGE_SIZE = 50


class AddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.ANNOTATOR)


class NewUserForm(AddForm):
    email = forms.EmailField(required=False, label="Email (optional)")
    field_order = ["username", "email", "role"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
    was = forms.ChoiceField(choices=Membership.Role.choices, required=False)


@login_required
def project_settings(request, slug):
    """Show and save the project's name, description, guidelines, blind mode and annotators per sentence."""
    project = managed(request, slug)
    form = SettingsForm(request.POST or None, instance=project)
    preview, status = None, 200
    if request.method == "POST" and "preview" in request.POST:
        preview = render_guidelines(request.POST.get("guidelines", ""))
    elif request.method == "POST" and form.is_valid():
        try:
            changes = save_settings(project=project, actor=request.user, values=form.cleaned_data,
                                    token=form.cleaned_data["token"])
        except StaleSettings as stale:
            return refuse_stale(request, project, stale)
        messages.success(request, "Saved: " + "; ".join(changes) if changes else "Nothing changed.")
        return redirect("project-settings", slug=project.slug)
    elif request.method == "POST":
        status = 400
    return render(request, "annotate/settings_project.html",
                  {"project": project, "form": form, "preview": preview}, status=status)


def refuse_stale(request, project, stale):
    """Show the form again with the manager's input, what changed meanwhile, and a token of the settings now."""
    project.refresh_from_db()
    data = request.POST.copy()
    data["token"] = settings_token(project)
    form = SettingsForm(data, instance=project)
    return render(request, "annotate/settings_project.html",
                  {"project": project, "form": form, "stale": stale.changed}, status=409)


def members_page(request, project, *, status=200, **forms_and_news):
    """Render the members page with the given forms (bound when refused) and anything shown once."""
    context = {"project": project, "members": members.members_of(project), "roles": Membership.Role.choices,
               "former": members.former_members_of(project),
               "add_form": AddForm(), "new_form": NewUserForm(), **forms_and_news}
    return render(request, "annotate/settings_members.html", context, status=status)


@login_required
def project_members(request, slug):
    """List the members, their roles and tags, with the forms that change them."""
    return members_page(request, managed(request, slug))


@login_required
@require_POST
def member_add(request, slug):
    """Add an existing user to the project."""
    project = managed(request, slug)
    form = AddForm(request.POST)
    try:
        if form.is_valid():
            members.add_member(project=project, actor=request.user, **form.cleaned_data)
            messages.success(request, f"Added {form.cleaned_data['username']}.")
            return redirect("project-members", slug=slug)
    except members.MemberError as error:
        form.add_error(error.field, str(error))
    return members_page(request, project, status=400, add_form=form)


@never_cache
@login_required
@require_POST
def member_create(request, slug):
    """Create an account, add it, and show its one-time set-password link on this answer only."""
    project = managed(request, slug)
    form = NewUserForm(request.POST)
    try:
        if form.is_valid():
            membership, path = members.create_member(project=project, actor=request.user, **form.cleaned_data)
            return members_page(request, project, created=membership, link=request.build_absolute_uri(path))
    except members.MemberError as error:
        form.add_error(error.field, str(error))
    return members_page(request, project, status=400, new_form=form)


@login_required
@require_POST
def member_role(request, slug, user_id):
    """Change a member's role."""
    project = managed(request, slug)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise members.MemberError("role", "role: choose one of " + ", ".join(Membership.Role.values))
        members.change_role(project=project, actor=request.user, user_id=user_id, **form.cleaned_data)
    except members.MemberError as error:
        return members_page(request, project, status=400, refused=str(error))
    messages.success(request, "Role changed.")
    return redirect_after_change(request, project)


@login_required
@require_POST
def member_remove(request, slug, user_id):
    """Take a member out of the project; their tags stay."""
    project = managed(request, slug)
    try:
        username = members.remove_member(project=project, actor=request.user, user_id=user_id)
    except members.MemberError as error:
        return members_page(request, project, status=400, refused=str(error))
    messages.success(request, f"Removed {username}; their tags stay, credited to them.")
    return redirect_after_change(request, project)


def redirect_after_change(request, project):
    """Go back to the members page, or to the project when the manager just gave up managing it."""
    if project.memberships.filter(user=request.user, role=Membership.Role.MANAGER).exists():
        return redirect("project-members", slug=project.slug)
    return redirect("document-list", slug=project.slug)


@login_required
def project_audit(request, slug):
    """List the project's audit log, newest first, 50 entries a page."""
    project = managed(request, slug)
    entries = AuditEntry.objects.visible_to(request.user).filter(project=project).select_related("actor")
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "annotate/settings_audit.html", {"project": project, "page": page})


@login_required
def project_create(request):
    """Start a project with a published codebook; the creator becomes its manager."""
    if not may_create_projects(request.user):
        raise PermissionDenied("only staff and users allowed to add projects may create one")
    form = CreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = create_project(actor=request.user, values=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Created {project.name}; you are its manager.")
            return redirect("project-settings", slug=project.slug)
    status = 400 if form.is_bound else 200
    return render(request, "annotate/settings_create.html", {"form": form}, status=status)
