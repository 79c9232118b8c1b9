"""Organisations that take part in a CTG, the people who represent them, and user memberships."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partners import grammar
from partners.choices import Civility, MembershipRole, OrganisationKind
from partners.validators import (
    INSEE_COMMUNE_REGEX,
    siren_is_valid_condition,
    validate_insee_commune_code,
    validate_postal_code,
    validate_siren,
)


class Organisation(models.Model):
    """A CAF, an EPCI, a commune, a State service, an association…: anybody party to a convention."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    legal_name = models.CharField(
        _("legal denomination"),
        max_length=255,
        blank=True,
        help_text=_(
            "As documents name it, e.g. “Communauté d'agglomération du Grand Cahors” or “Commune de Cahors”. "
            "Empty: the name."
        ),
    )
    definite_article = models.CharField(
        _("article before the legal denomination"),
        max_length=3,
        blank=True,
        choices=grammar.ARTICLE_CHOICES,
        help_text=_("“la” Caisse…, “le” Département…, “l'”Association…; empty: guessed from the first word."),
    )
    name_liaison = models.PositiveSmallIntegerField(
        _("how the name joins “de”"),
        null=True,
        blank=True,
        choices=grammar.LIAISON_CHOICES,
        help_text=_("INSEE's type of name (TNCC), for “du Havre”, “des Sables-d'Olonne”; empty: guessed."),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True, validators=[validate_postal_code])
    city = models.CharField(_("city"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        validators=[validate_siren],
        help_text=_("Nine digits, checked with their checksum. Required for EPCIs and communes."),
    )
    insee_code = models.CharField(
        _("INSEE code"),
        max_length=5,
        blank=True,
        validators=[validate_insee_commune_code],
        help_text=_("Communes only: the five-character code of the Official Geographic Code."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    epci = models.ForeignKey(
        "self",
        verbose_name=_("intercommunality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_communes",
        limit_choices_to={"kind": OrganisationKind.EPCI},
        help_text=_("Communes only: the EPCI the commune belongs to."),
    )
    department_code = models.CharField(_("département code"), max_length=3, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        # Lists of organisations (the administration's, the CAFs of the home page's filter) by name.
        indexes = [
            models.Index(fields=["name", "id"], name="home_organisation_name"),
            models.Index(fields=["kind", "name"], name="home_organisation_kind_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="organisation_siren_unique",
                violation_error_message=_("An organisation with this SIREN already exists."),
            ),
            # One row per commune: a commune therefore cannot belong to two EPCIs.
            models.UniqueConstraint(
                fields=["insee_code"],
                condition=~Q(insee_code=""),
                name="organisation_insee_code_unique",
                violation_error_message=_("A commune with this INSEE code already exists."),
            ),
            models.CheckConstraint(
                condition=siren_is_valid_condition("siren"),
                name="organisation_siren_valid",
                violation_error_message=_("The SIREN is not valid (nine digits with a valid checksum)."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[OrganisationKind.EPCI, OrganisationKind.COMMUNE]) | ~Q(siren=""),
                name="organisation_territory_has_siren",
                violation_error_message=_("EPCIs and communes must have a SIREN."),
            ),
            models.CheckConstraint(
                condition=(Q(kind=OrganisationKind.COMMUNE) & Q(insee_code__regex=INSEE_COMMUNE_REGEX))
                | (~Q(kind=OrganisationKind.COMMUNE) & Q(insee_code="")),
                name="organisation_insee_code_for_communes",
                violation_error_message=_("A commune must have a valid INSEE code, and only communes have one."),
            ),
            models.CheckConstraint(
                condition=Q(epci__isnull=True) | Q(kind=OrganisationKind.COMMUNE),
                name="organisation_only_communes_in_epci",
                violation_error_message=_("Only a commune can belong to an intercommunality."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name screens show: the short name, else the name."""
        return self.short_name or self.name

    @property
    def legal_denomination(self) -> str:
        """The name documents use: « Communauté d'agglomération du Grand Cahors »."""
        return self.legal_name or self.name

    @property
    def article(self) -> str:
        return self.definite_article or grammar.guess_definite_article(self.legal_denomination)

    @property
    def legal_denomination_with_article(self) -> str:
        """« la Caisse d'allocations familiales du Lot », « le Département du Lot »."""
        return grammar.with_article(self.legal_denomination, self.article)

    @property
    def of_legal_denomination(self) -> str:
        """« de la Caisse d'allocations familiales du Lot », « du Département du Lot »."""
        return grammar.contracted_with_de(self.legal_denomination_with_article)

    @property
    def of_name(self) -> str:
        """The name as a place after « de »: « du Havre », « de Cahors » (communes, territories)."""
        return grammar.of_place(self.name, self.name_liaison)

    @property
    def at_name(self) -> str:
        """The name as a place after « à »: « au Havre », « à Cahors »."""
        return grammar.at_place(self.name, self.name_liaison)

    def clean(self):
        if self.epci_id and self.epci.kind != OrganisationKind.EPCI:
            raise ValidationError({"epci": _("Choose an intercommunality (EPCI).")})


class Representative(models.Model):
    """A person who speaks or signs for an organisation: a mayor, a director, a president."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="representatives",
    )
    civility = models.CharField(_("civility"), max_length=3, blank=True, choices=Civility.choices)
    full_name = models.CharField(_("full name"), max_length=150)
    title = models.CharField(_("title"), max_length=200, help_text=_("For example “Maire” or “Directrice”."))
    delegation = models.CharField(
        _("delegation"),
        max_length=200,
        blank=True,
        help_text=_("When this person signs for someone else, e.g. “pour le préfet et par délégation”."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="representatives",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["organisation__name", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "full_name", "title"],
                name="representative_unique_per_organisation",
                violation_error_message=_("This person already represents this organisation with this title."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name}, {self.title} ({self.organisation.display_name})"

    @property
    def title_with_article(self) -> str:
        """« la Présidente », « le Maire », or the title alone when the civility is unknown."""
        return grammar.title_with_article(self.title, self.civility)

    @property
    def name_with_civility(self) -> str:
        """« Mme Catherine Prunet », « M. Jean Dupont »."""
        return f"{self.get_civility_display()} {self.full_name}" if self.civility else self.full_name


class Membership(models.Model):
    """A user account's membership in an organisation, which decides what the user may see and do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.STAFF)
    is_referent = models.BooleanField(
        _("référent"),
        default=False,
        help_text=_("A référent invites and removes the organisation's members."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_per_organisation",
                violation_error_message=_("This user is already a member of this organisation."),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation.display_name} ({self.get_role_display()})"


class Invitation(models.Model):
    """An e-mailed invitation to join an organisation on the portal: single use, expiring.

    The link's token is never stored: only its SHA-256 (``token_sha256``), written when the e-mail is
    sent, so a copy of the database lets nobody in. Sending again replaces the token (the earlier link
    stops working).
    """

    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.STAFF)
    is_referent = models.BooleanField(_("référent"), default=False)
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("representative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("The signatory or committee member the account will be linked to."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    token_sha256 = models.CharField(_("SHA-256 of the link's token"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    enqueue_failed_at = models.DateTimeField(_("queueing failed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email_and_organisation",
                violation_error_message=_("This person already has a pending invitation to this organisation."),
            ),
            models.UniqueConstraint(
                fields=["token_sha256"],
                condition=~Q(token_sha256=""),
                name="invitation_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_both_accepted_and_revoked",
                violation_error_message=_("An invitation is either accepted or revoked."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation.display_name}"


class PasswordResetEmail(models.Model):
    """A password reset e-mail that went out, recorded by the task that sent it.

    The task's Celery id is unique here: a second delivery of the same message (a worker that died
    before acknowledging it, a broker that delivered it twice) finds the row and sends nothing. The row
    is written in the transaction that sends the mail, so a failed sending leaves none and the retry
    sends. Rows are kept ``PASSWORD_RESET_EMAILS_KEPT`` (in ``partners.services.accounts``), then deleted
    by the next sending: the link itself is never stored.
    """

    delivery_id = models.CharField(_("task id"), max_length=255, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="password_reset_emails",
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)

    class Meta:
        verbose_name = _("password reset e-mail")
        verbose_name_plural = _("password reset e-mails")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.user} ({timezone.localtime(self.sent_at):%Y-%m-%d %H:%M})"
