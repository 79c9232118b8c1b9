from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CAF = "caf", _("Family allowance fund (CAF)")
    EPCI = "epci", _("Intercommunality (EPCI)")
    COMMUNE = "commune", _("Commune")
    DEPARTEMENT = "departement", _("Département")
    STATE_SERVICE = "state_service", _("State service")
    MSA = "msa", _("Agricultural social mutual (MSA)")
    ASSOCIATION = "association", _("Association")
    SOCIAL_CENTRE = "social_centre", _("Social centre")
    OTHER = "other", _("Other")


class MembershipRole(models.TextChoices):
    # Staff of an EPCI edit its conventions; staff of a CAF review and sign them.
    STAFF = "staff", _("Staff")
    # Elected officials and partners who follow the convention without editing it.
    READER = "reader", _("Read-only member")


class Civility(models.TextChoices):
    MADAME = "mme", "Mme"
    MONSIEUR = "m", "M."
