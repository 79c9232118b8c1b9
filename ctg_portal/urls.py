from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("conventions/<int:convention_pk>/diagnostic/", include("diagnostics.urls")),
    path("conventions/<int:convention_pk>/plan/", include("action_plans.urls")),
    path("", include("partners.urls")),
    path("", include("conventions.urls")),
    path("", include("documents.urls")),
    path("", include("workflow.urls")),
]
