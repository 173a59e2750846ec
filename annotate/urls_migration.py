"""Project management pages: moving a project to another codebook version."""

from django.urls import path

from annotate import migration_views

urlpatterns = [
    path("projects/<slug:slug>/settings/codebook/move/<int:codebook_id>/", migration_views.move_codebook,
         name="project-codebook-move"),
]
