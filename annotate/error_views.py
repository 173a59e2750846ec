"""Refusals a person can act on: 403 and 404 pages that keep the site's navigation and say what to do next.

Django renders these only with DEBUG off (as in production and the tests); the API keeps its JSON errors.
"""

from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import reverse

from annotate.models import Document, Membership


def ways_on(request):
    """Return (text, url) links to the pages of this project and document the user may open instead."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if not (match and user and user.is_authenticated and "slug" in match.kwargs):
        return []
    slug = match.kwargs["slug"]
    membership = Membership.objects.select_related("project").filter(user=user, project__slug=slug).first()
    if membership is None:
        return []
    project, links = membership.project, []
    document_id = match.kwargs.get("doc_id") or match.kwargs.get("pk")
    if document_id and match.url_name != "annotate-document":
        document = Document.objects.filter(project=project, pk=document_id).values("pk", "title").first()
        if document:
            links.append((f"Annotate “{document['title']}”", reverse("annotate-document", args=[slug, document["pk"]])))
    links.append((f"Documents of {project.name}", reverse("document-list", args=[slug])))
    return links


def permission_denied(request, exception=None):
    """403: what was refused and why, the user's role, and the pages of the project they may open."""
    match = getattr(request, "resolver_match", None)
    role = None
    if match and "slug" in match.kwargs and getattr(request, "user", None) and request.user.is_authenticated:
        role = Membership.objects.filter(user=request.user, project__slug=match.kwargs["slug"]).values_list(
            "role", flat=True).first()
    body = render_to_string("403.html", {"reason": str(exception or ""), "role": role, "links": ways_on(request)},
                            request=request)
    return HttpResponseForbidden(body)


def page_not_found(request, exception=None):
    """404: the page does not exist or is not shared with this account; the same words for both, on purpose."""
    body = render_to_string("404.html", {"links": ways_on(request)}, request=request)
    return HttpResponseNotFound(body)


def csrf_failure(request, reason=""):
    """403 for a form sent without a valid CSRF token: usually an old page or a lost session; say so."""
    return HttpResponseForbidden(render_to_string("403_csrf.html", {"reason": reason}, request=request))
