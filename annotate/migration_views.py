"""The page that moves a project to another codebook version: the plan, the choices, the move."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from annotate.access import managed
from annotate.codebook_migration import MoveError, plan_move
from annotate.codebook_moving import do_move_codebook
from annotate.codebooks import versions_of

SUMMARY = ("kept", "renamed", "merged", "split", "moved", "deleted", "collapsed", "sent_to_review")


@login_required
def move_codebook(request, slug, codebook_id):
    """Show the plan of moving the project to a codebook version; on POST, make the move."""
    project = managed(request, slug)
    target = get_object_or_404(versions_of(project), pk=codebook_id)
    choices = {key.removeprefix("label-"): value for key, value in request.POST.items() if key.startswith("label-")}
    error = None
    if request.method == "POST":
        try:
            counts = do_move_codebook(project=project, target=target, choices=choices, user=request.user,
                                      expected_codebook=_number(request.POST.get("expected_codebook")))
        except MoveError as refused:
            error = refused
        else:
            done = ", ".join(f"{counts.get(kind, 0)} {kind.replace('_', ' ')}" for kind in SUMMARY)
            messages.success(request, f"The project now uses {target}: {done}.")
            return redirect(_codebook_page(project))
    try:
        plan = plan_move(project=project, target=target, user=request.user)
    except MoveError as refused:
        return render(request, "annotate/codebook_move_refused.html",
                      {"project": project, "target": target, "error": refused}, status=400)
    for move in plan.moves:
        move.chosen = choices.get(str(move.label.pk), "")
    context = {"project": project, "plan": plan, "error": error}
    return render(request, "annotate/codebook_move.html", context, status=400 if error else 200)


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _codebook_page(project):
    """Return the project's codebook versions page."""
    return reverse("codebook-versions", args=[project.slug])
