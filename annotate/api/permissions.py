"""Role rules for the API: DRF permission classes over the one role helper on Membership."""

from rest_framework import permissions

from annotate.models import Membership


def roles_of(request):
    """Return {project_id: role} for the requesting user, cached on the request."""
    if not hasattr(request, "_project_roles"):
        request._project_roles = Membership.roles_of(request.user)
    return request._project_roles


def role_in(request, project_id):
    """Return the user's role in a project, or None for a non-member."""
    return roles_of(request).get(project_id)


def project_id_of(obj):
    """Return the id of the project an object belongs to (the object itself for a project)."""
    return obj.pk if obj._meta.model_name == "project" else obj.project_id


class IsOwnerOrReadOnly(permissions.BasePermission):
    """Everyone who can see an annotation may read it; only its annotator may change it."""

    message = "only the annotator who made this annotation may change or delete it"

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.annotator_id == request.user.pk


class IsProjectReviewer(permissions.BasePermission):
    """Reviewers and managers of the object's project may act on it."""

    message = "only a reviewer or manager of this project may do this"

    def has_object_permission(self, request, view, obj):
        return Membership.can_review(role_in(request, project_id_of(obj)))


class IsProjectManager(permissions.BasePermission):
    """Managers of the object's project may act on it."""

    message = "only a manager of this project may do this"

    def has_object_permission(self, request, view, obj):
        return Membership.can_manage(role_in(request, project_id_of(obj)))


class IsManagerForWrites(IsProjectManager):
    """Reading is for members; creating and deleting documents is for the project's managers."""

    message = "only a manager of the project may import or delete documents"

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or super().has_object_permission(request, view, obj)
