from django.urls import include, path

from annotate import views

urlpatterns = [
    # First, so "projects/new/" is the new-project page rather than a project called "new".
    path("", include("annotate.urls_settings")),
    path("", views.project_list, name="project-list"),
    path("projects/<slug:slug>/", views.document_list, name="document-list"),
    path("projects/<slug:slug>/import/", views.import_documents, name="document-import"),
    path("projects/<slug:slug>/documents/<int:pk>/", views.annotate_document, name="annotate-document"),
    path("", include("annotate.urls_review")),
    path("", include("annotate.urls_assignment")),
    path("", include("annotate.urls_codebook")),
    path("", include("annotate.urls_migration")),
]
