from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partners.models import Membership, Organisation, Representative


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "siren", "insee_code", "population", "epci"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "siren", "insee_code"]
    autocomplete_fields = ["epci"]
    inlines = [RepresentativeInline]
    list_select_related = ["epci"]


@admin.register(Representative)
class RepresentativeAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "title", "organisation", "user", "is_active"]
    list_filter = ["is_active", "organisation__kind"]
    search_fields = ["full_name", "title", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    list_select_related = ["organisation", "user"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
