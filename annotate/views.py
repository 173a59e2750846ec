"""HTML pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from annotate.models import Project


@login_required
def project_list(request):
    """List the projects the user belongs to."""
    projects = Project.objects.visible_to(request.user)
    return render(request, "annotate/project_list.html", {"projects": projects})
