from django.urls import include, path

app_name = "action_plans"

# Each view module owns its routes; they are all relative to /conventions/<convention_pk>/plan/.
urlpatterns = [
    path("", include("action_plans.views.plan")),
    path("", include("action_plans.views.editing")),
]
