import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from conventions.models import (
    Article,
    Convention,
    ConventionVersion,
    Domain,
    GeneratedDocument,
    GovernanceBody,
    GovernanceMember,
    Meeting,
    Notification,
    Party,
    ReviewComment,
    Signature,
    StatusChange,
)
from ctg_portal.admin_lists import LargeListAdmin


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name", "code"]
    ordering = ["position"]
    show_full_result_count = False


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
class ConventionAdmin(LargeListAdmin, SimpleHistoryAdmin):
    ordering = ("-period_start", "reference")  # index home_convention_order
    list_display = ["reference", "title", "epci", "period_start", "period_end", "status", "amendment_number"]
    list_filter = ["status", "drafting_phase", "domains"]
    search_fields = ["reference", "title", "epci__name"]
    autocomplete_fields = ["epci"]
    # The lifecycle moves only through its services, which record who did what and when.
    readonly_fields = ["status", "amendment_number", "approved_version", "signed_version"]
    filter_horizontal = ["domains"]
    inlines = [ArticleInline, PartyInline, GovernanceBodyInline]
    list_select_related = ["epci"]


@admin.register(Article)
class ArticleAdmin(LargeListAdmin, SimpleHistoryAdmin):
    ordering = ("convention_id", "position")  # unique: article_position_unique
    list_display = ["convention", "position", "title"]
    search_fields = ["title", "convention__reference"]
    list_select_related = ["convention"]


@admin.register(Party)
class PartyAdmin(LargeListAdmin, SimpleHistoryAdmin):
    list_display = ["convention", "organisation", "role", "representative", "signing_order"]
    list_filter = ["role"]
    search_fields = ["convention__reference", "organisation__name", "representative__full_name"]
    autocomplete_fields = ["convention", "organisation", "representative"]
    list_select_related = ["convention", "organisation", "representative__organisation"]


class GovernanceMemberInline(admin.TabularInline):
    model = GovernanceMember
    extra = 0
    autocomplete_fields = ["representative"]


@admin.register(GovernanceBody)
class GovernanceBodyAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "convention"]
    list_filter = ["kind"]
    search_fields = ["name", "convention__reference"]
    autocomplete_fields = ["convention"]
    inlines = [GovernanceMemberInline]
    list_select_related = ["convention"]


@admin.register(GovernanceMember)
class GovernanceMemberAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["representative", "body", "role"]
    list_filter = ["role", "body__kind"]
    search_fields = ["representative__full_name", "body__name"]
    autocomplete_fields = ["body", "representative"]
    list_select_related = ["representative__organisation", "body"]


@admin.register(Meeting)
class MeetingAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["body", "held_on", "kind", "location"]
    list_filter = ["kind", "body__kind"]
    search_fields = ["body__name", "agenda", "decisions"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["body", "created_by"]
    filter_horizontal = ["attendees"]
    list_select_related = ["body"]


# --- What the lifecycle records: read-only here, written only by the services ---------------------


class _DateSetFilter(admin.SimpleListFilter):
    """Filters on whether a date field is set, with words that say what that means for the record."""

    field = ""
    unset_label = set_label = ""

    def lookups(self, request, model_admin):
        return [("unset", self.unset_label), ("set", self.set_label)]

    def queryset(self, request, queryset):
        if self.value() in ("unset", "set"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "unset"})
        return queryset


class SignatureValidityFilter(_DateSetFilter):
    title = _("validity")
    parameter_name = "validity"
    field = "voided_at"
    unset_label, set_label = _("Valid"), _("Void")


class CommentResolutionFilter(_DateSetFilter):
    title = _("resolution")
    parameter_name = "resolution"
    field = "resolved_at"
    unset_label, set_label = _("Open"), _("Resolved")


class NotificationSentFilter(_DateSetFilter):
    title = _("sending")
    parameter_name = "sending"
    field = "sent_at"
    unset_label, set_label = _("Not sent yet"), _("Sent")


class ReadOnlyAdmin(LargeListAdmin, admin.ModelAdmin):
    """Records of legal or historical value: listed, searched and read, never added, changed or deleted
    from the administration (the services write them, with their checks and their history)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConventionVersion)
class ConventionVersionAdmin(ReadOnlyAdmin):
    list_display = ["convention", "number", "amendment_number", "short_hash", "approved_by", "approved_at"]
    list_filter = ["amendment_number"]
    search_fields = ["convention__reference", "convention__title", "content_sha256"]
    list_select_related = ["convention", "approved_by"]
    date_hierarchy = "approved_at"
    fields = [
        "convention",
        "number",
        "amendment_number",
        "approved_by",
        "approved_at",
        "content_sha256",
        "integrity",
        "readable_content",
    ]
    readonly_fields = fields

    class Media:
        # The canonical content's layout: no inline style under the Content-Security-Policy.
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        # The list does not need the (large) content; the detail page reads it when it shows it.
        return super().get_queryset(request).defer("content_json")

    @admin.display(description=_("SHA-256"))
    def short_hash(self, version):
        return f"{version.short_hash}…"

    @admin.display(description=_("integrity"), boolean=True)
    def integrity(self, version):
        return version.is_intact

    @admin.display(description=_("canonical content"))
    def readable_content(self, version):
        return format_html(
            '<pre class="canonical-content">{}</pre>',
            json.dumps(version.content, indent=2, ensure_ascii=False, sort_keys=True),
        )


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["convention", "occurred_at", "action", "from_status", "to_status", "actor", "version"]
    list_filter = ["action", "to_status"]
    search_fields = ["convention__reference", "comment", "actor__username", "actor__last_name"]
    list_select_related = ["convention", "actor", "version"]
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__content_json")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["version", "organisation_name", "signer_name", "method", "signed_at", "is_valid"]
    list_filter = ["method", SignatureValidityFilter]
    search_fields = [
        "organisation_name",
        "signer_name",
        "signer_title",
        "version_sha256",
        "version__convention__reference",
    ]
    list_select_related = ["version__convention"]
    date_hierarchy = "signed_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__content_json")

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, signature):
        return not signature.is_void


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    """Read-only too: the review threads are the record of what the CAF asked before approving."""

    list_display = ["convention", "anchor_label", "author", "created_at", "is_open"]
    list_filter = ["anchor", CommentResolutionFilter]
    search_fields = ["body", "anchor_label", "convention__reference", "author__username", "author__last_name"]
    list_select_related = ["convention", "author"]
    date_hierarchy = "created_at"

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, comment):
        return comment.is_open


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "email", "subject", "convention", "sent_at", "attempts"]
    list_filter = ["kind", NotificationSentFilter]
    search_fields = ["email", "subject", "body", "convention__reference", "dedup_key"]
    list_select_related = ["convention"]
    date_hierarchy = "created_at"


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    """Read-only: documents are asked for and rendered by the services (the document centre, the
    last signature, ``manage.py generate_document``); the file is downloaded from the portal."""

    list_display = [
        "convention",
        "kind",
        "version",
        "meeting",
        "status",
        "size_bytes",
        "page_count",
        "render_seconds",
        "attempts",
        "requested_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["convention__reference", "sha256", "task_id"]
    list_select_related = ["convention", "version", "meeting__body"]
    date_hierarchy = "requested_at"
    exclude = ["file"]
    readonly_fields = ["file_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__content_json")

    @admin.display(description=_("file"))
    def file_name(self, document):
        return document.file.name
