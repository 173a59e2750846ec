"""Who is in a project, and as what: the one write path for memberships, each change in the audit log."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from annotate.audit import record
from annotate.models import Annotation, Assignment, Membership, Project

ROLES = Membership.Role


class MemberError(ValueError):
    """A refused change to the members, naming the form field at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def members_of(project):
    """Return the project's memberships with each user and the number of tags they made in it."""
    tags = (Annotation.objects.filter(project=project, annotator=OuterRef("user")).order_by()
            .values("annotator").annotate(n=Count("pk")).values("n"))
    return (project.memberships.select_related("user").order_by("user__username")
            .annotate(tag_count=Coalesce(Subquery(tags, output_field=IntegerField()), 0)))


def former_members_of(project):
    """Return [(username, tags)] of the people who made tags in the project and are no longer members."""
    current = project.memberships.values("user")
    return list(Annotation.objects.filter(project=project).exclude(annotator__in=current).order_by()
                .values_list("annotator__username").annotate(n=Count("pk")).order_by("annotator__username"))


def check_role(role):
    """Return role if it is one of the project roles; raise MemberError naming the field otherwise."""
    if role not in ROLES.values:
        raise MemberError("role", f"role: “{role}” is not one of {', '.join(ROLES.values)}")
    return role


def locked(project):
    """Lock the project row so two member changes at once cannot both pass the last-manager rule."""
    return Project.objects.select_for_update().get(pk=project.pk)


def add_member(*, project, actor, username, role):
    """Add an existing user to the project with a role."""
    check_role(role)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise MemberError("username", f"username: no user is called “{username}”")
    with transaction.atomic():
        locked(project)
        if project.memberships.filter(user=user).exists():
            raise MemberError("username", f"username: “{username}” is already a member of this project")
        membership = Membership.objects.create(project=project, user=user, role=role)
        record(project=project, actor=actor, action="member.added", summary=f"added {username} as {role}",
               user=username, role=role)
    return membership


def check_new_user(username, email):
    """Refuse a username that is not valid or already taken, and an email address that is not one."""
    User = get_user_model()
    field = User._meta.get_field(User.USERNAME_FIELD)
    if not username:
        raise MemberError("username", "username: this field is required")
    try:
        field.run_validators(username)
    except ValidationError as error:
        raise MemberError("username", f"username: {' '.join(error.messages)}") from None
    if User.objects.filter(username__iexact=username).exists():
        raise MemberError("username", f"username: “{username}” is taken; add the existing user instead")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise MemberError("email", f"email: “{email}” is not an email address") from None


def create_member(*, project, actor, username, email="", role=ROLES.ANNOTATOR):
    """Create a user with no password, make them a member; return the membership and a set-password path."""
    check_role(role)
    check_new_user(username, email)
    with transaction.atomic():
        locked(project)
        user = get_user_model().objects.create_user(username, email=email or "")
        membership = Membership.objects.create(project=project, user=user, role=role)
        record(project=project, actor=actor, action="member.created",
               summary=f"created the account {username} and added it as {role}", user=username, role=role)
    return membership, set_password_path(user)


def set_password_path(user):
    """Return the one-time path where a user sets a password; it stops working once the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def membership_in(project, user_id):
    """Return the locked membership of a user in the project; raise MemberError when there is none."""
    membership = (project.memberships.select_for_update().select_related("user")
                  .filter(user_id=user_id).first())
    if membership is None:
        raise MemberError("user", "user: not a member of this project")
    return membership


def check_keeps_a_manager(project, membership, role):
    """Refuse to leave the project with no manager when this member stops being one."""
    if membership.role != ROLES.MANAGER or role == ROLES.MANAGER:
        return
    if not project.memberships.filter(role=ROLES.MANAGER).exclude(pk=membership.pk).exists():
        raise MemberError("user", f"user: {membership.user.username} is the project's last manager; "
                                  "make someone else a manager first")


def change_role(*, project, actor, user_id, role, was=None):
    """Give a member another role, keeping at least one manager; refuse if it is no longer `was`."""
    check_role(role)
    with transaction.atomic():
        locked(project)
        membership = membership_in(project, user_id)
        old = membership.role
        if was and old != was:
            raise MemberError("role", f"role: {membership.user.username} has been {old} since you opened the page, "
                                      f"not {was}; choose again")
        if old == role:
            return membership
        check_keeps_a_manager(project, membership, role)
        membership.role = role
        membership.save(update_fields=["role"])
        username = membership.user.username
        record(project=project, actor=actor, action="member.role_changed",
               summary=f"changed {username}'s role from {old} to {role}", user=username, old=old, new=role)
    return membership


def remove_member(*, project, actor, user_id):
    """Take a member out of the project; their tags stay, credited to them."""
    with transaction.atomic():
        locked(project)
        membership = membership_in(project, user_id)
        check_keeps_a_manager(project, membership, None)
        username, role = membership.user.username, membership.role
        tags = Annotation.objects.filter(project=project, annotator_id=user_id).count()
        # Work assigned to someone who is gone would count as covered and never be done: it is freed.
        freed, _ = Assignment.objects.filter(project=project, annotator_id=user_id).delete()
        membership.delete()
        record(project=project, actor=actor, action="member.removed",
               summary=f"removed {username} ({role}); their {tags} tags stay"
               + (f", their {freed} assignments are freed" if freed else ""),
               user=username, role=role, tags=tags, assignments_freed=freed)
    return username
