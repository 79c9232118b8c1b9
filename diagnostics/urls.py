app_name = "diagnostics"

# Routes relative to /conventions/<convention_pk>/diagnostic/.
urlpatterns = []
