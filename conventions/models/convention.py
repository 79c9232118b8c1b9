"""The convention itself: its domains, articles, parties and governance bodies."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.choices import (
    REPORT_KIND_OF_BODY,
    SIGNED_STATUSES,
    ConventionStatus,
    DraftingPhase,
    GovernanceBodyKind,
    GovernanceMemberRole,
    MeetingKind,
    PartyRole,
    SignatureMethod,
)
from conventions.permissions import convention_abilities, meeting_abilities
from ctg_portal.precompiled import PrecompiledQuery
from partners.choices import OrganisationKind
from partners.models import Membership, Organisation, Representative


class Domain(models.Model):
    """A thematic domain of family services (petite enfance, jeunesse…), seeded by a migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    territory = models.ForeignKey(
        Organisation,
        verbose_name=_("territory"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_domains",
        limit_choices_to={"kind": OrganisationKind.EPCI},
        help_text=_("Empty for the national list; an intercommunality for a domain of its own."),
    )

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(territory__isnull=True),
                name="domain_national_name_unique",
                violation_error_message=_("A national domain with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["territory", "name"],
                name="domain_territory_name_unique",
                violation_error_message=_("This territory already has a domain with this name."),
            ),
        ]

    def __str__(self):
        return self.name


def visible_convention_ids(user) -> frozenset[int] | None:
    """The ids of the conventions ``user`` may see (the rule ``conventions.permissions`` describes):
    the intercommunality's members, the members and representatives of every party, the committees'
    members. ``None`` for an administrator, who sees them all; an empty set for the signed out.

    One UNION of subqueries that each walk an index from the user (memberships, representatives) to
    the conventions, instead of an OR across a join of every party of the country; read once per user
    object, that is once per request, and shared by every list, page and ability check of the request.
    Its SQL is written once per process (``ctg_portal.precompiled``).
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    if not hasattr(user, "_ctg_visible_convention_ids"):
        user._ctg_visible_convention_ids = frozenset(pk for (pk,) in _VISIBLE_IDS.rows(user.pk))
    return user._ctg_visible_convention_ids


def _visible_ids_query(user_id: int):
    """The query of ``visible_convention_ids``, for the user ``user_id``."""
    organisations = Membership.objects.filter(user_id=user_id).values("organisation_id")
    return (
        Convention.objects.filter(epci_id__in=organisations)
        .order_by()
        .values_list("pk")
        .union(
            Party.objects.filter(organisation_id__in=organisations).order_by().values_list("convention_id"),
            Party.objects.filter(representative__user_id=user_id).order_by().values_list("convention_id"),
            GovernanceMember.objects.filter(representative__user_id=user_id)
            .order_by()
            .values_list("body__convention_id"),
        )
    )


# Read on every page: compiled once per process (about a millisecond of Django's time per request).
_VISIBLE_IDS = PrecompiledQuery(_visible_ids_query)


def forget_visible_conventions(user) -> None:
    """Drop the ids ``visible_convention_ids`` keeps on ``user``, after a write that changes them."""
    user.__dict__.pop("_ctg_visible_convention_ids", None)


def current_status_condition(status: str, today: datetime.date) -> Q:
    """The conventions whose ``status_on(today)`` is ``status``, as a condition on their own columns."""
    signed = sorted(SIGNED_STATUSES)
    if status == ConventionStatus.EXPIRED:
        return Q(status=ConventionStatus.EXPIRED) | Q(status__in=signed, period_end__lt=today)
    if status == ConventionStatus.IN_FORCE:
        return Q(status__in=signed, period_start__lte=today, period_end__gte=today)
    if status == ConventionStatus.SIGNED:
        return Q(status__in=signed, period_start__gt=today)
    return Q(status=status)


def current_status_expression(today: datetime.date) -> models.Case:
    """``status_on(today)`` in SQL, to count conventions per status as their badges show it."""
    signed = sorted(SIGNED_STATUSES)
    return models.Case(
        models.When(status__in=signed, period_end__lt=today, then=models.Value(ConventionStatus.EXPIRED)),
        models.When(status__in=signed, period_start__lte=today, then=models.Value(ConventionStatus.IN_FORCE)),
        models.When(status__in=signed, then=models.Value(ConventionStatus.SIGNED)),
        default=F("status"),
        output_field=models.CharField(),
    )


class ConventionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Conventions the user may see: those of ``visible_convention_ids`` (all for an administrator).

        A filter on primary keys rather than joins: no duplicate rows, no ``distinct()``, and the same
        few ids for every query of the request (list, counts, pages).
        """
        ids = visible_convention_ids(user)
        if ids is None:
            return self.all()
        return self.filter(pk__in=ids) if ids else self.none()

    def visible_ids(self, user) -> frozenset[int] | None:
        """``visible_convention_ids`` through the manager, for code that may not import the models."""
        return visible_convention_ids(user)


class Convention(models.Model):
    """A Convention Territoriale Globale between a CAF and an EPCI with its communes."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=255)
    epci = models.ForeignKey(
        Organisation,
        verbose_name=_("intercommunality"),
        on_delete=models.PROTECT,
        related_name="conventions",
        limit_choices_to={"kind": OrganisationKind.EPCI},
    )
    period_start = models.DateField(_("start of period"))
    period_end = models.DateField(_("end of period"))
    domains = models.ManyToManyField(Domain, verbose_name=_("domains"), related_name="conventions", blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    drafting_phase = models.CharField(
        _("drafting phase"), max_length=20, choices=DraftingPhase.choices, default=DraftingPhase.DIAGNOSTIC
    )
    replaces_contract = models.CharField(
        _("contract it replaces"),
        max_length=200,
        blank=True,
        help_text=_("For example “Contrat Enfance Jeunesse (CEJ)”."),
    )
    predecessor_reference = models.CharField(_("reference of the contract it replaces"), max_length=100, blank=True)
    predecessor_start = models.DateField(_("start of the contract it replaces"), null=True, blank=True)
    predecessor_end = models.DateField(_("end of the contract it replaces"), null=True, blank=True)
    signing_place = models.CharField(
        _("place of signature"),
        max_length=100,
        blank=True,
        help_text=_("“Fait à …”: the city where the originals are signed; empty: the intercommunality's seat."),
    )
    original_copies = models.PositiveSmallIntegerField(
        _("number of original copies"),
        null=True,
        blank=True,
        help_text=_("“en N exemplaires originaux”; empty: one per signatory."),
    )
    competent_court = models.CharField(
        _("competent administrative court"),
        max_length=150,
        blank=True,
        help_text=_("For example “Tribunal administratif de Toulouse”; empty: the one of the département."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    perimeter_note = models.TextField(
        _("perimeter as described by the convention"),
        blank=True,
        help_text=_("The territory as the convention's own text describes it, which may differ from today's."),
    )
    # Shown at the top of the convention's pages, never in its text nor in its PDFs: a signed text
    # carries no aside (the demo says here that its figures are illustrative).
    page_notice = models.TextField(
        _("notice shown on its pages"),
        blank=True,
        help_text=_("Shown at the top of the convention's pages only, never in its text or its documents."),
    )
    amendment_number = models.PositiveSmallIntegerField(
        _("amendment number"),
        default=0,
        help_text=_("0 for the original text; n while avenant n is drafted, reviewed, signed and in force."),
    )
    # The version under review or signature since the last approval (cleared when it goes back to draft),
    # and the last version every signatory signed: the convention's text in force.
    approved_version = models.ForeignKey(
        "ConventionVersion",
        verbose_name=_("version being signed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_version = models.ForeignKey(
        "ConventionVersion",
        verbose_name=_("signed version in force"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Raised in the same transaction as any change of what the convention's pages show
    # (conventions/render_cache.py): part of the key of their cached fragments. Never written by save().
    content_version = models.PositiveBigIntegerField(_("content version"), default=0, editable=False)

    history = HistoricalRecords(m2m_fields=[domains], excluded_fields=["content_version"])
    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["-period_start", "reference"]
        # The home page's list and the administration's changelist read in this order, a page at a time.
        indexes = [models.Index(fields=["-period_start", "reference"], name="home_convention_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="convention_period_end_after_start",
                violation_error_message=_("The end of the period must come after its start."),
            ),
            models.CheckConstraint(
                condition=Q(predecessor_end__isnull=True)
                | Q(predecessor_start__isnull=True)
                | Q(predecessor_end__gt=F("predecessor_start")),
                name="convention_predecessor_period_ordered",
                violation_error_message=_("The contract it replaces must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(original_copies__isnull=True) | Q(original_copies__gte=1),
                name="convention_original_copies_positive",
                violation_error_message=_("At least one original copy."),
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=sorted(SIGNED_STATUSES | {ConventionStatus.EXPIRED, ConventionStatus.TERMINATED})
                )
                | Q(signed_version__isnull=False),
                name="convention_signed_has_signed_version",
                violation_error_message=_("A signed convention needs its signed version."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ConventionStatus.APPROVED, ConventionStatus.IN_SIGNATURE])
                | Q(approved_version__isnull=False),
                name="convention_in_signature_has_approved_version",
                violation_error_message=_("An approved convention needs its approved version."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def save(self, *args, update_fields=None, **kwargs):
        # An instance loaded before a change elsewhere holds an old content_version: writing it back
        # would let a later change reuse a version (and its cached fragments). render_cache.touch()
        # alone writes it, with an UPDATE … SET content_version = content_version + 1.
        if update_fields is None and not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
            # As Django does for an instance loaded with only() or defer(): the fields it holds.
            deferred = self.get_deferred_fields()
            update_fields = [name for name in _FIELDS_SAVED_BY_SAVE if name not in deferred]
        elif update_fields is not None:
            update_fields = [name for name in update_fields if name != "content_version"]
        super().save(*args, update_fields=update_fields, **kwargs)

    def clean(self):
        errors = {}
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            errors["period_end"] = _("The end of the period must come after its start.")
        if self.epci_id and self.epci.kind != OrganisationKind.EPCI:
            errors["epci"] = _("Choose an intercommunality (EPCI).")
        if errors:
            raise ValidationError(errors)

    @property
    def is_amendment(self) -> bool:
        """Whether the text being worked on (or last signed) is an avenant rather than the original."""
        return self.amendment_number > 0

    def status_on(self, day: datetime.date) -> str:
        """The status as the calendar makes it on ``day``: signed conventions enter into force on their
        start date and expire after their end date, whether or not the daily task has recorded it yet."""
        if self.status in SIGNED_STATUSES:
            if day > self.period_end:
                return ConventionStatus.EXPIRED
            if day >= self.period_start:
                return ConventionStatus.IN_FORCE
            return ConventionStatus.SIGNED
        return self.status

    @property
    def current_status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_current_status_display(self) -> str:
        return str(ConventionStatus(self.current_status).label)

    @property
    def is_within_period(self) -> bool:
        """Whether today falls in the convention's period (its signed text then runs, even while an
        avenant is prepared)."""
        return self.period_start <= timezone.localdate() <= self.period_end

    @property
    def amendment_in_progress(self) -> bool:
        """Whether an avenant is being drafted, reviewed or signed while the last signed text still runs."""
        return (
            self.amendment_number > 0
            and self.signed_version_id is not None
            and self.status not in SIGNED_STATUSES | {ConventionStatus.EXPIRED, ConventionStatus.TERMINATED}
        )

    def get_abilities(self, user) -> dict[str, bool]:
        """What ``user`` may do with this convention; views and templates both read this answer."""
        return convention_abilities(user, self)


_FIELDS_SAVED_BY_SAVE = [
    field.attname
    for field in Convention._meta.concrete_fields
    if not field.primary_key and field.name != "content_version"
]


class Article(models.Model):
    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="articles"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["convention", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "position"],
                name="article_position_unique",
                violation_error_message=_("Another article already has this position."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="article_title_not_empty", violation_error_message=_("Give a title.")
            ),
        ]

    def __str__(self):
        return _("Article %(position)s — %(title)s") % {"position": self.position, "title": self.title}


class Party(models.Model):
    """An organisation taking part in a convention, as signatory or as associate (who never signs).

    An organisation usually signs once, but a commune may sign through two people (a mayor and a
    deputy in charge of families), so uniqueness is per signing representative.
    """

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices, default=PartyRole.SIGNATORY)
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("signing representative"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
    )
    signing_order = models.PositiveSmallIntegerField(
        _("signing order"),
        null=True,
        blank=True,
        help_text=_("Parties with the same number sign in parallel; a higher number waits for the lower ones."),
    )
    signature_method = models.CharField(
        _("how this party will sign"),
        max_length=20,
        choices=SignatureMethod.choices,
        default=SignatureMethod.ELECTRONIC,
        help_text=_("In the portal (the representative gets an invitation) or on paper (staff record it)."),
    )
    deliberation_number = models.CharField(
        _("deliberation number"),
        max_length=50,
        blank=True,
        help_text=_("Local authorities: the deliberation authorising the signature."),
    )
    deliberation_date = models.DateField(_("deliberation date"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["convention", "role", "signing_order", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "representative"],
                name="party_representative_unique",
                violation_error_message=_("This representative is already a party to the convention."),
            ),
            models.UniqueConstraint(
                fields=["convention", "organisation"],
                condition=Q(representative__isnull=True),
                name="party_organisation_without_representative_unique",
                violation_error_message=_("This organisation is already a party to the convention."),
            ),
            models.CheckConstraint(
                condition=(Q(role=PartyRole.SIGNATORY) & Q(signing_order__isnull=False) & Q(signing_order__gte=1))
                | (Q(role=PartyRole.ASSOCIATE) & Q(signing_order__isnull=True)),
                name="party_signing_order_for_signatories_only",
                violation_error_message=_(
                    "A signatory needs a signing order of 1 or more; an associate does not sign."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.organisation.display_name} ({self.get_role_display()})"

    def clean(self):
        if (
            self.representative_id
            and self.organisation_id
            and self.representative.organisation_id != self.organisation_id
        ):
            raise ValidationError({"representative": _("This person does not represent this organisation.")})


class GovernanceBody(models.Model):
    """The convention's steering committee (copil) or a technical committee (cotech)."""

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="governance_bodies"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=GovernanceBodyKind.choices)
    name = models.CharField(_("name"), max_length=150)
    mission = models.TextField(_("mission"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("governance body")
        verbose_name_plural = _("governance bodies")
        ordering = ["convention", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "name"],
                name="governance_body_name_unique",
                violation_error_message=_("This convention already has a body with this name."),
            ),
            models.UniqueConstraint(
                fields=["convention"],
                condition=Q(kind=GovernanceBodyKind.STEERING_COMMITTEE),
                name="governance_single_steering_committee",
                violation_error_message=_("A convention has a single steering committee."),
            ),
        ]

    def __str__(self):
        return self.name


class GovernanceMember(models.Model):
    body = models.ForeignKey(
        GovernanceBody, verbose_name=_("governance body"), on_delete=models.CASCADE, related_name="members"
    )
    representative = models.ForeignKey(
        Representative, verbose_name=_("representative"), on_delete=models.PROTECT, related_name="body_memberships"
    )
    role = models.CharField(
        _("role in the body"), max_length=20, choices=GovernanceMemberRole.choices, default=GovernanceMemberRole.MEMBER
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("governance body member")
        verbose_name_plural = _("governance body members")
        ordering = ["body", "role", "representative__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "representative"],
                name="governance_member_unique",
                violation_error_message=_("This person is already a member of this body."),
            ),
        ]

    def __str__(self):
        return f"{self.representative.full_name} ({self.body})"


class Meeting(models.Model):
    body = models.ForeignKey(
        GovernanceBody, verbose_name=_("governance body"), on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.FOLLOW_UP)
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        GovernanceMember, verbose_name=_("attendance"), related_name="meetings_attended", blank=True
    )
    agenda = models.TextField(_("agenda"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The committee approved the report of this meeting (``services.meetings.meeting_approve_report``):
    # who recorded it, and the name and title printed (« Validé par <name>, <title>, le <date> ») as they
    # were that day. Recording the meeting again withdraws the approval.
    report_approved_on = models.DateField(_("report approved on"), null=True, blank=True)
    report_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("report approved by"),
        on_delete=models.SET_NULL,  # the name and title printed are kept in the fields below
        null=True,
        blank=True,
        related_name="+",
    )
    report_approver_name = models.CharField(_("approver's name"), max_length=150, blank=True)
    report_approver_title = models.CharField(_("approver's title"), max_length=200, blank=True)
    report_approval_recorded_at = models.DateTimeField(_("approval recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["body", "-held_on"]
        constraints = [
            # An approval says who and when, or nothing at all.
            models.CheckConstraint(
                condition=Q(
                    report_approved_on__isnull=True,
                    report_approved_by__isnull=True,
                    report_approver_name="",
                    report_approval_recorded_at__isnull=True,
                )
                | (
                    Q(report_approved_on__isnull=False, report_approval_recorded_at__isnull=False)
                    & ~Q(report_approver_name="")
                ),
                name="meeting_report_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(report_approved_on__isnull=True) | Q(report_approved_on__gte=models.F("held_on")),
                name="meeting_report_approved_after_meeting",
            ),
        ]

    def __str__(self):
        return f"{self.body} — {self.held_on:%d/%m/%Y}"

    @property
    def report_kind(self) -> str:
        """The kind of document this meeting's report is: a copil report or a cotech report."""
        return REPORT_KIND_OF_BODY[self.body.kind]

    @property
    def report_is_approved(self) -> bool:
        return self.report_approved_on is not None

    def get_abilities(self, user, *, today: datetime.date | None = None) -> dict[str, bool]:
        """What ``user`` may do with this meeting (schedule, record, approve its report)."""
        convention = self.body.convention
        return meeting_abilities(
            user, self, convention_abilities=convention.get_abilities(user), today=today or timezone.localdate()
        )
