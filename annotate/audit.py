"""The audit log of how a project is run: settings, members, assignments and codebook moves."""

from annotate.models import AuditEntry


def record(*, project, actor, action, summary, **detail):
    """Write one entry: who (actor) did what (action, summary, detail) in the project, now."""
    return AuditEntry.objects.create(project=project, actor=actor, action=action, summary=summary, detail=detail)
