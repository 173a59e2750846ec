"""Project management pages: codebook."""

urlpatterns = []
