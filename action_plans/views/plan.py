"""Reading and monitoring the action plan."""

urlpatterns = []
