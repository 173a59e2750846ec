"""Review, adjudication and dashboard pages."""

from django.urls import path

from annotate import dashboard_views, review_views

urlpatterns = [
    path("projects/<slug:slug>/documents/<int:doc_id>/review/", review_views.review_document, name="review"),
    path("projects/<slug:slug>/documents/<int:doc_id>/review/sentences/", review_views.review_sentences,
         name="review-sentences"),
    path("projects/<slug:slug>/documents/<int:doc_id>/comments/", review_views.post_comment, name="review-comment"),
    path("projects/<slug:slug>/review/queue/", review_views.review_queue, name="review-queue"),
    path("projects/<slug:slug>/review/annotations/<int:pk>/edit/", review_views.edit_and_accept, name="review-edit"),
    path("projects/<slug:slug>/dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/dashboard/sentences/", dashboard_views.dashboard_sentences, name="dashboard-sentences"),
]
