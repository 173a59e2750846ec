"""Project management pages: assignment."""

from django.urls import path

from annotate import assignment_views as views

urlpatterns = [
    path("projects/<slug:slug>/settings/assignment/", views.assignment_page, name="project-assignment"),
    path("projects/<slug:slug>/settings/assignment/strategy/", views.set_strategy, name="project-assignment-strategy"),
    path("projects/<slug:slug>/settings/assignment/auto/", views.auto_assign, name="project-assignment-auto"),
    path("projects/<slug:slug>/settings/assignment/assign/", views.assign, name="project-assignment-assign"),
    path("projects/<slug:slug>/settings/assignment/unassign/", views.unassign, name="project-assignment-unassign"),
    path("projects/<slug:slug>/settings/assignment/move/", views.move, name="project-assignment-move"),
    path("projects/<slug:slug>/next/", views.project_next, name="project-next"),
]
