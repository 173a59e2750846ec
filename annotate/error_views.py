"""Refusals a person can act on: 403 and 404 pages that keep the site's navigation and say what to do next.

Django renders these only with DEBUG off (as in production and the tests); the API keeps its JSON errors.
"""

from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import reverse

from annotate.models import Document, Membership


def membership_of(request):
    """Return the user's membership in the project the refused URL names, or None."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if not (match and user and user.is_authenticated and "slug" in match.kwargs):
        return None
    return Membership.objects.select_related("project").filter(user=user, project__slug=match.kwargs["slug"]).first()


def ways_on(request, membership):
    """Return (text, url) links to the pages of this project and document the user may open instead."""
    if membership is None:
        return []
    match, project, links = request.resolver_match, membership.project, []
    document_id = match.kwargs.get("doc_id") or match.kwargs.get("pk")
    if document_id and match.url_name != "annotate-document":
        document = Document.objects.filter(project=project, pk=document_id).values("pk", "title").first()
        if document:
            links.append((f"Annotate “{document['title']}”",
                          reverse("annotate-document", args=[project.slug, document["pk"]])))
    links.append((f"Documents of {project.name}", reverse("document-list", args=[project.slug])))
    return links


def permission_denied(request, exception=None):
    """403: what was refused and why, the user's role, and the pages of the project they may open."""
    membership = membership_of(request)
    body = render_to_string("403.html", {"reason": str(exception or ""), "role": membership and membership.role,
                                         "links": ways_on(request, membership)}, request=request)
    return HttpResponseForbidden(body)


def page_not_found(request, exception=None):
    """404: the page does not exist or is not shared with this account; the same words for both, on purpose."""
    body = render_to_string("404.html", {"links": ways_on(request, membership_of(request))}, request=request)
    return HttpResponseNotFound(body)


def csrf_failure(request, reason=""):
    """403 for a form sent without a valid CSRF token: usually an old page or a lost session; say so."""
    return HttpResponseForbidden(render_to_string("403_csrf.html", {"reason": reason}, request=request))
