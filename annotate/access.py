"""Who may open a project's pages: the one place pages ask for a member's role."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from annotate.models import Membership


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


def managed(request, slug):
    """Return a project the user manages: 404 for a non-member, 403 for an annotator or reviewer."""
    membership = membership_for(request, slug)
    if not Membership.can_manage(membership.role):
        raise PermissionDenied("only managers of this project may change its settings, members, assignments "
                               "and codebook")
    return membership.project
