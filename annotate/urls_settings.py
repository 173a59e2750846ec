"""Project management pages: settings."""

urlpatterns = []
