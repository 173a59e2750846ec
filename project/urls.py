from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from annotate.forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("annotate.api.urls")),
    path("", include("annotate.urls")),
]
