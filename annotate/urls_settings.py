"""Project management pages: settings, members, the audit log, and making a project."""

from django.urls import path

from annotate import settings_views

urlpatterns = [
    path("projects/new/", settings_views.project_create, name="project-create"),
    path("projects/<slug:slug>/settings/", settings_views.project_settings, name="project-settings"),
    path("projects/<slug:slug>/settings/members/", settings_views.project_members, name="project-members"),
    path("projects/<slug:slug>/settings/members/add/", settings_views.member_add, name="member-add"),
    path("projects/<slug:slug>/settings/members/new/", settings_views.member_create, name="member-create"),
    path("projects/<slug:slug>/settings/members/<int:user_id>/role/", settings_views.member_role,
         name="member-role"),
    path("projects/<slug:slug>/settings/members/<int:user_id>/remove/", settings_views.member_remove,
         name="member-remove"),
    path("projects/<slug:slug>/settings/audit/", settings_views.project_audit, name="project-audit"),
]
