"""Organisations that take part in a CTG, the people who represent them, and user memberships."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partners.choices import MembershipRole, OrganisationKind
from partners.validators import (
    INSEE_COMMUNE_REGEX,
    siren_is_valid_condition,
    validate_insee_commune_code,
    validate_siren,
)


class Organisation(models.Model):
    """A CAF, an EPCI, a commune, a State service, an association…: anybody party to a convention."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
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
        return self.short_name or self.name

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
    full_name = models.CharField(_("full name"), max_length=150)
    title = models.CharField(_("title"), max_length=200, help_text=_("For example “Maire” or “Directrice”."))
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
