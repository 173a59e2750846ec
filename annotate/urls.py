from django.urls import include, path

from annotate import views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("", include("annotate.urls_review")),
]
