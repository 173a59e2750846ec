"""Project management pages: assignment."""

urlpatterns = []
