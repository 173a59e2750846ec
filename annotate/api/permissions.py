"""Role rules for the API, in one place."""

from rest_framework import permissions

from annotate.models import Membership

REVIEW_ROLES = (Membership.Role.REVIEWER, Membership.Role.MANAGER)


def roles_of(request):
    """Return {project_id: role} for the requesting user, cached on the request."""
    if not hasattr(request, "_project_roles"):
        user = request.user
        request._project_roles = (
            dict(Membership.objects.filter(user=user).values_list("project_id", "role"))
            if user.is_authenticated
            else {}
        )
    return request._project_roles


def role_in(request, project_id):
    """Return the user's role in a project, or None for a non-member."""
    return roles_of(request).get(project_id)


class IsOwnerOrReadOnly(permissions.BasePermission):
    """Everyone who can see an annotation may read it; only its annotator may change it."""

    message = "only the annotator who made this annotation may change or delete it"

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.annotator_id == request.user.pk


class IsManagerForWrites(permissions.BasePermission):
    """Reading is for members; creating and deleting documents is for the project's managers."""

    message = "only a manager of the project may import or delete documents"

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or role_in(request, obj.project_id) == "manager"
