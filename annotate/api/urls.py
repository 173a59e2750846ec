from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotate.api import agreement, annotations, batch, exports, imports, reviews, tokens, views

router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("segments", views.SegmentViewSet, basename="segment")
router.register("annotations", annotations.AnnotationViewSet, basename="annotation")
router.register("relations", annotations.RelationViewSet, basename="relation")
router.register("progress", views.ProgressViewSet, basename="progress")
router.register("tokens", tokens.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("projects/<int:pk>/export/", exports.ExportView.as_view(), name="project-export"),
    path("projects/<int:pk>/import/", exports.RestoreView.as_view(), name="project-import"),
    path("projects/<int:pk>/imports/", imports.ImportView.as_view(), name="project-imports"),
    path("projects/<int:pk>/agreement/", agreement.AgreementView.as_view(), name="project-agreement"),
    path("annotations/<int:pk>/review/", reviews.AnnotationReviewView.as_view(), name="annotation-review"),
    path("annotations/batch/", batch.BatchView.as_view(), name="annotation-batch"),
    path("reviews/", reviews.BulkReviewView.as_view(), name="reviews"),
    path("segments/<int:pk>/comments/", reviews.SegmentCommentList.as_view(), name="segment-comments"),
    path("token/", tokens.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
         name="swagger-ui"),
    path("", include(router.urls)),
]
