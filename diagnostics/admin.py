from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue


@admin.register(Diagnostic)
class DiagnosticAdmin(SimpleHistoryAdmin):
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


@admin.register(IndicatorValue)
class IndicatorValueAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "territory", "year", "value", "diagnostic"]
    list_filter = ["indicator", "year"]
    search_fields = ["indicator__code", "territory__name", "territory__insee_code"]
    autocomplete_fields = ["diagnostic", "territory"]
    list_select_related = ["indicator", "territory", "diagnostic__convention"]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "domain", "priority", "diagnostic"]
    list_filter = ["kind", "priority", "domain"]
    search_fields = ["title", "detail"]
    autocomplete_fields = ["diagnostic"]
    list_select_related = ["domain", "diagnostic__convention"]


@admin.register(Consultation)
class ConsultationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "held_on", "domain", "diagnostic"]
    list_filter = ["domain"]
    search_fields = ["title", "participants", "notes"]
    autocomplete_fields = ["diagnostic", "organisations"]
    date_hierarchy = "held_on"
    list_select_related = ["domain", "diagnostic__convention"]
