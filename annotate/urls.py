from django.urls import path

from annotate import views

urlpatterns = [
    path("", views.project_list, name="project-list"),
]
