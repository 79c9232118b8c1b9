from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from partners.views.accounts import PasswordResetView

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Forgotten password: Django's views, the request rate-limited and its e-mail sent by a Celery task.
    path("mot-de-passe/oublie/", PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("admin/", admin.site.urls),
    # The language switcher works signed out too (the login and public verification pages show it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("conventions/<int:convention_pk>/diagnostic/", include("diagnostics.urls")),
    path("conventions/<int:convention_pk>/plan/", include("action_plans.urls")),
    path("", include("partners.urls")),
    path("", include("conventions.urls")),
    path("", include("documents.urls")),
    path("", include("workflow.urls")),
]
