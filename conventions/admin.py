from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Article, Convention, Domain, GovernanceBody, GovernanceMember, Meeting, Party


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name", "code"]
    ordering = ["position"]


class ArticleInline(admin.StackedInline):
    model = Article
    extra = 0


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    autocomplete_fields = ["organisation", "representative"]


class GovernanceBodyInline(admin.TabularInline):
    model = GovernanceBody
    extra = 0
    show_change_link = True


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "epci", "period_start", "period_end", "status", "version"]
    list_filter = ["status", "drafting_phase", "domains"]
    search_fields = ["reference", "title", "epci__name"]
    autocomplete_fields = ["epci", "parent"]
    filter_horizontal = ["domains"]
    inlines = [ArticleInline, PartyInline, GovernanceBodyInline]
    list_select_related = ["epci"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "position", "title"]
    search_fields = ["title", "convention__reference"]
    list_select_related = ["convention"]


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "organisation", "role", "representative", "signing_order"]
    list_filter = ["role"]
    search_fields = ["convention__reference", "organisation__name", "representative__full_name"]
    autocomplete_fields = ["convention", "organisation", "representative"]
    list_select_related = ["convention", "organisation", "representative"]


class GovernanceMemberInline(admin.TabularInline):
    model = GovernanceMember
    extra = 0
    autocomplete_fields = ["representative"]


@admin.register(GovernanceBody)
class GovernanceBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "convention"]
    list_filter = ["kind"]
    search_fields = ["name", "convention__reference"]
    autocomplete_fields = ["convention"]
    inlines = [GovernanceMemberInline]
    list_select_related = ["convention"]


@admin.register(GovernanceMember)
class GovernanceMemberAdmin(admin.ModelAdmin):
    list_display = ["representative", "body", "role"]
    list_filter = ["role", "body__kind"]
    search_fields = ["representative__full_name", "body__name"]
    autocomplete_fields = ["body", "representative"]
    list_select_related = ["representative", "body"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["body", "held_on", "kind", "location"]
    list_filter = ["kind", "body__kind"]
    search_fields = ["body__name", "agenda", "decisions"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["body", "created_by"]
    filter_horizontal = ["attendees"]
    list_select_related = ["body"]
