from django.urls import path

from action_plans.views import editing, plan

app_name = "action_plans"

# Relative to /conventions/<convention_pk>/plan/ (included once by ctg_portal/urls.py).
urlpatterns = [
    # plan
    path("", plan.plan, name="plan"),
    path("budget/", plan.budget, name="budget"),
    path("export.xlsx", plan.export_xlsx, name="export_xlsx"),
    path("export.csv", plan.export_csv, name="export_csv"),
    path("fiches/<int:pk>/", plan.action_detail, name="action_detail"),
    path("fiches/<int:pk>/suivi-rapide/", plan.action_quick_edit, name="action_quick_edit"),
    path("fiches/<int:pk>/points-etape/", plan.progress_update_create, name="progress_update_create"),
    path("indicateurs/<int:pk>/valeur-actuelle/", plan.indicator_value_edit, name="indicator_value_edit"),
    path("financements/<int:pk>/statut/", plan.funding_status_edit, name="funding_status_edit"),
    # editing
    path("orientations/nouvelle/", editing.orientation_create, name="orientation_create"),
    path("orientations/<int:pk>/modifier/", editing.orientation_edit, name="orientation_edit"),
    path("orientations/<int:pk>/supprimer/", editing.orientation_delete, name="orientation_delete"),
    path("orientations/<int:pk>/deplacer/", editing.orientation_move, name="orientation_move"),
    path("orientations/<int:orientation_pk>/fiches/nouvelle/", editing.action_create, name="action_create"),
    path("fiches/<int:pk>/modifier/", editing.action_edit, name="action_edit"),
    path("fiches/<int:pk>/supprimer/", editing.action_delete, name="action_delete"),
    path("fiches/<int:pk>/deplacer/", editing.action_move, name="action_move"),
]
