from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from annotate.csp_views import csp_report
from annotate.forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("csp-report/", csp_report, name="csp-report"),
    path("api/", include("annotate.api.urls")),
    path("", include("annotate.urls")),
]
