from django.contrib import admin
from django.urls import include, path

from annotate.csp_views import csp_report
from annotate.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("csp-report/", csp_report, name="csp-report"),
    path("health/", health, name="health"),
    path("api/", include("annotate.api.urls")),
    path("", include("annotate.urls")),
]

handler403 = "annotate.error_views.permission_denied"
handler404 = "annotate.error_views.page_not_found"
