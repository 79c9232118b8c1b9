"""Creating and editing orientations and fiches actions."""

urlpatterns = []
