"""Project management pages: codebook."""

from django.urls import path

from annotate import codebook_views

BASE = "projects/<slug:slug>/settings/codebook/"
urlpatterns = [
    path(BASE, codebook_views.codebook_page, name="codebook-versions"),
    path(f"{BASE}start/", codebook_views.start, name="project-codebook-start"),
    path(f"{BASE}draft/", codebook_views.editor, name="project-codebook-draft"),
    path(f"{BASE}draft/<slug:action>/", codebook_views.edit, name="project-codebook-edit"),
    path(f"{BASE}diff/", codebook_views.diff, name="project-codebook-diff"),
    path(f"{BASE}import/", codebook_views.import_json, name="project-codebook-import"),
    path(f"{BASE}<int:codebook_id>/export/", codebook_views.export, name="project-codebook-export"),
]
