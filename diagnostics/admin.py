from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg_portal.admin_lists import LargeListAdmin, year_filter
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue, StagedImport


@admin.register(Diagnostic)
class DiagnosticAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["convention", "started_on", "completed_on"]
    search_fields = ["convention__reference", "convention__title"]
    autocomplete_fields = ["convention"]
    list_select_related = ["convention"]


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "unit", "source", "domain", "formula"]
    list_filter = ["source", "domain"]
    search_fields = ["code", "label", "formula"]
    list_select_related = ["domain"]
    show_full_result_count = False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["indicator", "territory", "year", "value", "diagnostic"]
    list_filter = ["indicator", year_filter("year")]
    search_fields = ["indicator__code", "territory__name", "territory__insee_code"]
    autocomplete_fields = ["diagnostic", "territory"]
    list_select_related = ["indicator", "territory", "diagnostic__convention"]


@admin.register(Finding)
class FindingAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "domain", "priority", "diagnostic"]
    list_filter = ["kind", "priority", "domain"]
    search_fields = ["title", "detail"]
    autocomplete_fields = ["diagnostic"]
    list_select_related = ["domain", "diagnostic__convention"]


@admin.register(Consultation)
class ConsultationAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["title", "held_on", "domain", "diagnostic"]
    list_filter = ["domain"]
    search_fields = ["title", "participants", "notes"]
    autocomplete_fields = ["diagnostic", "organisations"]
    date_hierarchy = "held_on"
    list_select_related = ["domain", "diagnostic__convention"]


@admin.register(StagedImport)
class StagedImportAdmin(LargeListAdmin, admin.ModelAdmin):
    """Read-only: staged by the import page, applied once by ``services.staged_import_apply``."""

    list_display = ["filename", "diagnostic", "created_by", "created_at", "applied_at", "applied_by"]
    list_filter = ["applied_at"]
    search_fields = ["filename", "diagnostic__convention__reference"]
    list_select_related = ["diagnostic__convention", "created_by", "applied_by"]
    exclude = ["rows"]  # up to 5 000 rows: the preview page shows them

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
