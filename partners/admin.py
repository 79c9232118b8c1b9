from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from ctg_portal.admin_lists import LargeListAdmin
from ctg_portal.errors import PortalError
from partners.choices import OrganisationKind
from partners.models import Invitation, Membership, Organisation, PasswordResetEmail, Representative
from partners.services import accounts

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(LargeListAdmin, UserAdmin):
    """Django's administration of the accounts (ten thousand with all France), paginated and counted
    like the portal's other large lists."""

    ordering = ("username",)  # unique index


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0
    autocomplete_fields = ["user"]


class DepartmentFilter(admin.SimpleListFilter):
    """The départements of the CAFs (one per département: a hundred rows by the kind index) rather than
    Django's ``SELECT DISTINCT department_code`` over every commune of France at each display."""

    title = _("département code")
    parameter_name = "department_code"

    def lookups(self, request, model_admin):
        codes = (
            Organisation.objects.filter(kind=OrganisationKind.CAF)
            .exclude(department_code="")
            .values_list("department_code", flat=True)
            .distinct()
        )
        return [(code, code) for code in sorted(codes)]

    def queryset(self, request, queryset):
        return queryset.filter(department_code=self.value()) if self.value() else queryset


@admin.register(Organisation)
class OrganisationAdmin(LargeListAdmin, SimpleHistoryAdmin):
    ordering = ("name", "pk")  # index home_organisation_name
    list_display = ["name", "legal_name", "kind", "siren", "insee_code", "postal_code", "population", "epci"]
    list_filter = ["kind", DepartmentFilter]
    search_fields = ["name", "short_name", "legal_name", "siren", "insee_code", "postal_code", "city"]
    autocomplete_fields = ["epci"]
    inlines = [RepresentativeInline]
    list_select_related = ["epci"]
    fieldsets = [
        (None, {"fields": ["kind", "name", "short_name"]}),
        (
            _("Legal identity"),
            {"fields": ["legal_name", "definite_article", "name_liaison", "siren", "address", "postal_code", "city"]},
        ),
        (_("Territory"), {"fields": ["insee_code", "department_code", "population", "epci"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Representative)
class RepresentativeAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["full_name", "title", "organisation", "user", "is_active"]
    list_filter = ["is_active", "organisation__kind"]
    search_fields = ["full_name", "title", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    list_select_related = ["organisation", "user"]


@admin.register(Membership)
class MembershipAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "is_referent", "created_at"]
    list_filter = ["role", "is_referent", "organisation__kind"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(LargeListAdmin, SimpleHistoryAdmin):
    """Invitations are sent from the organisations' Équipe page (the services check and e-mail them):
    here they are read, sent again or revoked. The link's token is never stored; its hash is not shown."""

    list_display = [
        "email",
        "organisation",
        "role",
        "is_referent",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role", "is_referent", "organisation__kind"]
    search_fields = ["email", "full_name", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    date_hierarchy = "created_at"
    fields = [
        "email",
        "full_name",
        "organisation",
        "role",
        "is_referent",
        "representative",
        "invited_by",
        "created_at",
        "expires_at",
        "sent_at",
        "enqueue_failed_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["resend", "revoke"]
    # The history lists who changed what, never the token's hash.
    history_list_display = ["sent_at", "expires_at", "accepted_at", "revoked_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """simple_history's changes between records, without the token's hash."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=["token_sha256"], foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def _apply(self, request, queryset, service) -> int:
        done = 0
        for invitation in queryset:
            try:
                service(invitation=invitation, by=request.user)
            except PortalError as error:
                self.message_user(request, f"{invitation.email}: {error}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description=_("Send the selected invitations again (new link)"))
    def resend(self, request, queryset):
        if done := self._apply(request, queryset, accounts.resend_invitation):
            text = ngettext("%(count)d invitation sent again.", "%(count)d invitations sent again.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request, queryset):
        if done := self._apply(request, queryset, accounts.revoke_invitation):
            text = ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS)


@admin.register(PasswordResetEmail)
class PasswordResetEmailAdmin(LargeListAdmin, admin.ModelAdmin):
    """The password reset e-mails that went out in the last thirty days, written by their task: to
    answer « did the e-mail leave? ». Read only; the link is never stored."""

    list_display = ["sent_at", "user"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    fields = ["user", "sent_at", "delivery_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
