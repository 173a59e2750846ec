"""The demo: the TeleSUR project, its article and four demo accounts."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from annotate.codebooks import SHIPPED_CODEBOOKS, load_codebook_file
from annotate.models import Membership, Project, Source

DEMO_PROJECT = "telesur-iran-venezuela"
DEMO_USERS = (
    ("manager", Membership.Role.MANAGER),
    ("annotator1", Membership.Role.ANNOTATOR),
    ("annotator2", Membership.Role.ANNOTATOR),
    ("reviewer", Membership.Role.REVIEWER),
)
DEMO_ARTICLE = Path(settings.BASE_DIR) / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"
DEMO_GUIDELINES = """\
# Guidelines

Read the whole article once, then tag sentence by sentence.

- **Framing**: every frame a sentence evokes; *No frame* for transitions.
- **Loaded language**: mark the smallest phrase that carries the charge, with its persuasion technique (23, in six
  groups); say whose voice it is.
- **Sentence bias**: does the wording take a side?
- **Attribution**: mark source, cue and content, then link content to source.
- **Missing perspectives**: at article level, anchored to the sentence where the gap matters most.

Mark a sentence *done* even when there is nothing to tag: that is data too.
"""


MANAGER_GROUP = "Project managers"
# What a project manager needs in the admin, which shows a non-superuser only the projects they are in.
MANAGER_PERMISSIONS = (
    "view_project", "change_project", "add_project", "view_membership", "change_membership", "view_document",
    "change_document", "view_annotation", "view_codebook", "view_layer", "view_label",
)


def make_staff_manager(user):
    """Make a user staff (not superuser) in the "Project managers" group, with the admin rights a manager needs."""
    group, _ = Group.objects.get_or_create(name=MANAGER_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="annotate",
                                                    codename__in=MANAGER_PERMISSIONS))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)


def create_demo(*, reset_passwords=False):
    """Create the demo project with the TeleSUR article and four demo users; return new passwords."""
    from annotate.importing import import_article, read_article

    # Every shipped version is loaded, so a v1 project can be compared with (or moved to) the latest.
    codebook = [load_codebook_file(path)[0] for path in SHIPPED_CODEBOOKS][-1]
    passwords = {}
    with transaction.atomic():
        Source.objects.update_or_create(
            name="TeleSUR",
            defaults={
                "country": "Venezuela (Caracas)",
                "funding_note": "State-funded: majority-owned by the Venezuelan government, "
                "with minority stakes from other Latin American governments.",
                "url": "https://www.telesurenglish.net/",
            },
        )
        project, _ = Project.objects.get_or_create(
            slug=DEMO_PROJECT,
            defaults={
                "name": "TeleSUR: Iran-Venezuela relations (June 2025)",
                "codebook": codebook,
                "guidelines": DEMO_GUIDELINES,
                "blind": True,
            },
        )
        User = get_user_model()
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created or reset_passwords:
                passwords[username] = secrets.token_urlsafe(9)
                user.set_password(passwords[username])
                user.save()
            Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
        manager = User.objects.get(username="manager")
        make_staff_manager(manager)
        import_article(project=project, name=DEMO_ARTICLE.name, raw=read_article(DEMO_ARTICLE), user=manager)
    return project, passwords
