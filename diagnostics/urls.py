"""Routes relative to /conventions/<convention_pk>/diagnostic/ (included once by ctg_portal/urls.py)."""

from django.urls import path

from diagnostics.views import consultations, findings, imports, page

app_name = "diagnostics"

urlpatterns = [
    # page
    path("", page.diagnostic_detail, name="detail"),
    path("ouvrir/", page.diagnostic_start, name="start"),
    path("introduction/", page.diagnostic_settings, name="settings"),
    path("indicateurs/saisir/", page.indicator_choose, name="indicator_choose"),
    path("indicateurs/<slug:code>/", page.indicator_card, name="indicator_card"),
    path("indicateurs/<slug:code>/modifier/", page.indicator_edit, name="indicator_edit"),
    # findings
    path("constats/<int:pk>/modifier/", findings.finding_edit, name="finding_edit"),
    path("constats/<int:pk>/deplacer/", findings.finding_move, name="finding_move"),
    path("constats/<int:pk>/supprimer/", findings.finding_delete, name="finding_delete"),
    path("constats/<int:pk>/fiches-actions/", findings.answering_actions, name="answering_actions"),
    # After the routes above: "modifier" would otherwise read as a kind of finding.
    path("constats/<int:domain_pk>/<slug:kind_slug>/", findings.finding_list, name="finding_list"),
    path("constats/<int:domain_pk>/<slug:kind_slug>/ajouter/", findings.finding_add, name="finding_add"),
    # consultations
    path("consultations/ajouter/", consultations.consultation_add, name="consultation_add"),
    path("consultations/<int:pk>/modifier/", consultations.consultation_edit, name="consultation_edit"),
    path("consultations/<int:pk>/supprimer/", consultations.consultation_delete, name="consultation_delete"),
    # imports
    path("import/", imports.import_upload, name="import_upload"),
    path("import/modele.csv", imports.import_template, name="import_template"),
    path("import/<slug:token>/", imports.import_preview, name="import_preview"),
]
