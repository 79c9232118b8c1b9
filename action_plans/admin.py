from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from ctg_portal.admin_lists import LargeListAdmin, year_filter


class StrategicOrientationInline(admin.TabularInline):
    model = StrategicOrientation
    extra = 0
    show_change_link = True


@admin.register(ActionPlan)
class ActionPlanAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["convention"]
    search_fields = ["convention__reference", "convention__title"]
    autocomplete_fields = ["convention"]
    inlines = [StrategicOrientationInline]
    list_select_related = ["convention"]


@admin.register(StrategicOrientation)
class StrategicOrientationAdmin(LargeListAdmin, SimpleHistoryAdmin):
    ordering = ("plan_id", "position")  # unique per plan
    list_display = ["position", "title", "plan"]
    search_fields = ["title", "plan__convention__reference"]
    autocomplete_fields = ["plan"]
    list_select_related = ["plan__convention"]


class FundingLineInline(admin.TabularInline):
    model = FundingLine
    extra = 0
    autocomplete_fields = ["funder"]


class EvaluationIndicatorInline(admin.TabularInline):
    model = EvaluationIndicator
    extra = 0


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    autocomplete_fields = ["author"]


@admin.register(Action)
class ActionAdmin(LargeListAdmin, SimpleHistoryAdmin):
    # The fiches of an orientation together, by the unique (orientation, code) index: not by the
    # orientation's position, which sorted every fiche of the country after a join.
    ordering = ("orientation_id", "code")
    list_display = ["code", "title", "domain", "pilot", "status", "progress", "end_date"]
    list_filter = ["status", "priority", "domain"]
    search_fields = ["code", "title", "objectives"]
    autocomplete_fields = ["orientation", "pilot", "partners", "answered_needs"]
    inlines = [FundingLineInline, EvaluationIndicatorInline, ProgressUpdateInline]
    list_select_related = ["domain", "pilot"]


@admin.register(FundingLine)
class FundingLineAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["action", "funder", "scheme", "year", "amount", "status"]
    list_filter = ["status", year_filter("year")]
    search_fields = ["action__code", "action__title", "funder__name"]
    autocomplete_fields = ["action", "funder"]
    list_select_related = ["action", "funder"]


@admin.register(EvaluationIndicator)
class EvaluationIndicatorAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["label", "action", "unit", "baseline", "target", "current_value"]
    search_fields = ["label", "action__code"]
    autocomplete_fields = ["action"]
    list_select_related = ["action"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["action", "reported_on", "progress", "author"]
    search_fields = ["action__code", "comment"]
    autocomplete_fields = ["action", "author"]
    # Not a date hierarchy: on the 125 000 updates of all France it reads the whole table twice (dates
    # bounds, then the distinct years) at every display of the list.
    list_filter = [year_filter("reported_on__year", future=0)]  # never dated in the future
    list_select_related = ["action", "author"]
