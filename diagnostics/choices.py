from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorSource(models.TextChoices):
    CAF = "caf", _("CAF")
    INSEE = "insee", _("INSEE")
    MSA = "msa", _("MSA")
    DEPARTEMENT = "departement", _("Département")
    EPCI = "epci", _("Intercommunality")
    STATE = "state", _("State")
    OTHER = "other", _("Other")


class FindingKind(models.TextChoices):
    STRENGTH = "strength", _("Strength")
    WEAKNESS = "weakness", _("Weakness")
    NEED = "need", _("Need")


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")
