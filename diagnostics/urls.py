"""Routes relative to /conventions/<convention_pk>/diagnostic/; each view module owns its own."""

from django.urls import include, path

app_name = "diagnostics"

urlpatterns = [
    path("", include("diagnostics.views.page")),
    path("", include("diagnostics.views.findings")),
    path("", include("diagnostics.views.consultations")),
    path("", include("diagnostics.views.imports")),
]
