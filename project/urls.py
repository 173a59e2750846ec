from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("annotate.urls")),
]
urlpatterns.insert(1, path("accounts/", include("django.contrib.auth.urls")))
