from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    LATE = "late", _("Late")
    SUSPENDED = "suspended", _("Suspended")
    ABANDONED = "abandoned", _("Abandoned")


class FundingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    PAID = "paid", _("Paid")
