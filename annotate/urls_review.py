"""Review, adjudication and dashboard pages."""

urlpatterns = []
