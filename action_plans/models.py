"""The action plan of a convention: strategic orientations, fiches actions and their follow-up."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.validators import PROGRESS_RANGE, PROGRESS_RANGE_MESSAGE, validate_progress
from conventions.models import Convention, Domain
from diagnostics.choices import FindingKind, Priority
from diagnostics.models import MAX_YEAR, MIN_YEAR, Finding
from partners.models import Organisation


class ActionPlan(models.Model):
    convention = models.OneToOneField(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="action_plan"
    )
    summary = models.TextField(_("summary"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self):
        return _("Action plan of %(convention)s") % {"convention": self.convention.reference}


class StrategicOrientation(models.Model):
    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE, related_name="orientations"
    )
    position = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("strategic orientation")
        verbose_name_plural = _("strategic orientations")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "position"],
                name="orientation_position_unique",
                violation_error_message=_("Another orientation already has this number."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="orientation_title_not_empty", violation_error_message=_("Give a title.")
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class Action(models.Model):
    """A fiche action: what will be done, by whom, when, with which money, measured how."""

    orientation = models.ForeignKey(
        StrategicOrientation, verbose_name=_("orientation"), on_delete=models.CASCADE, related_name="actions"
    )
    code = models.CharField(_("code"), max_length=10, help_text=_("For example “2.3”."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=255)
    domain = models.ForeignKey(Domain, verbose_name=_("domain"), on_delete=models.PROTECT, related_name="actions")
    objectives = models.TextField(_("objectives"), blank=True)
    target_public = models.TextField(_("target public"), blank=True)
    pilot = models.ForeignKey(
        Organisation, verbose_name=_("pilot"), on_delete=models.PROTECT, related_name="piloted_actions"
    )
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partners"), related_name="partner_actions", blank=True
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.UPCOMING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    answered_needs = models.ManyToManyField(
        Finding,
        verbose_name=_("needs answered"),
        related_name="answering_actions",
        blank=True,
        limit_choices_to={"kind": FindingKind.NEED},
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic lock: every service that writes the fiche or its funding lines and indicators
    # increments it in its transaction, so a form opened on an older version cannot overwrite them.
    lock_version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    history = HistoricalRecords(m2m_fields=[partners, answered_needs])

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["orientation__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["orientation", "code"],
                name="action_code_unique_per_orientation",
                violation_error_message=_("Another action of this orientation already has this code."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="action_end_after_start",
                violation_error_message=_("The end date cannot come before the start date."),
            ),
            models.CheckConstraint(
                condition=PROGRESS_RANGE,
                name="action_progress_range",
                violation_error_message=PROGRESS_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values),
                name="action_priority_valid",
                violation_error_message=_("Choose a priority among high, medium and low."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="action_title_not_empty", violation_error_message=_("Give a title.")
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot come before the start date.")
        if self.progress is not None:
            try:
                validate_progress(self.progress)
            except ValidationError as error:
                errors["progress"] = error.messages
        if errors:
            raise ValidationError(errors)


class FundingLine(models.Model):
    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="funding_lines")
    funder = models.ForeignKey(
        Organisation, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="funding_lines"
    )
    scheme = models.CharField(
        _("scheme"),
        max_length=150,
        blank=True,
        help_text=_("For example “Prestation de service” or “Bonus territoire”."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=FundingStatus.choices, default=FundingStatus.PLANNED)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["action", "year", "funder__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                name="funding_year_range",
                violation_error_message=_("The year must be between 1950 and 2100."),
            ),
            models.UniqueConstraint(
                fields=["action", "funder", "year", "scheme"],
                name="funding_line_unique",
                violation_error_message=_("This funder already has a line for this year and scheme."),
            ),
        ]

    def __str__(self):
        return f"{self.funder.display_name} {self.year}: {self.amount} €"


class EvaluationIndicator(models.Model):
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="evaluation_indicators"
    )
    label = models.CharField(_("label"), max_length=255)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=3, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=3, null=True, blank=True)
    current_value = models.DecimalField(_("current value"), max_digits=14, decimal_places=3, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation indicator")
        verbose_name_plural = _("evaluation indicators")
        ordering = ["action", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(label=""),
                name="evaluation_indicator_label_not_empty",
                violation_error_message=_("Give a label."),
            ),
        ]

    def __str__(self):
        return self.label


class ProgressUpdate(models.Model):
    """A dated report on an action's progress, written by the person who follows it."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="progress_updates"
    )
    reported_on = models.DateField(_("date"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["action", "-reported_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=PROGRESS_RANGE,
                name="progress_update_progress_range",
                violation_error_message=PROGRESS_RANGE_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"{self.action.code} {self.reported_on:%d/%m/%Y}: {self.progress} %"
