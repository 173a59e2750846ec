"""Project management pages: moving a project to another codebook version."""

urlpatterns = []
