from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = _("Diagnostics")

    def ready(self):
        watch_rendered_models()


def watch_rendered_models():
    """Which conventions show a row of this app: their cached fragments' version goes up when the row
    changes (conventions/render_cache.py)."""
    from conventions import render_cache
    from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue, StagedImport
    from partners.models import Organisation

    def of_diagnostic(diagnostic_id):
        return Diagnostic.objects.filter(pk=diagnostic_id).values("convention_id")

    render_cache.watch(Diagnostic, conventions_of=lambda diagnostic: diagnostic.convention_id)
    for model in (IndicatorValue, Finding, Consultation):
        render_cache.watch(model, conventions_of=lambda row: of_diagnostic(row.diagnostic_id))
    # The national catalogue of indicators: every diagnostic names them.
    render_cache.watch(IndicatorDefinition, conventions_of=lambda indicator: render_cache.ALL)
    render_cache.watch(
        Organisation,
        conventions_of=lambda organisation: [
            IndicatorValue.objects.filter(territory=organisation.pk).values("diagnostic__convention_id"),
            Consultation.objects.filter(organisations=organisation.pk).values("diagnostic__convention_id"),
        ],
    )
    render_cache.ignore(
        StagedImport,
        reason="a file being imported, shown to its uploader only on the import page; applying it writes "
        "indicator values, which touch the convention",
    )
