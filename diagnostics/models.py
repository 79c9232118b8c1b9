"""The shared diagnostic of a convention: indicators, findings per domain, consultations."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention, Domain
from diagnostics.choices import FindingKind, IndicatorSource, Priority
from diagnostics.indicators import Formula, FormulaError, formula_source_for
from partners.choices import OrganisationKind
from partners.models import Organisation

MIN_YEAR, MAX_YEAR = 1950, 2100


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Diagnostic(models.Model):
    convention = models.OneToOneField(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="diagnostic"
    )
    summary = models.TextField(_("summary"), blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diagnostic")
        verbose_name_plural = _("diagnostics")
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(completed_on__gte=F("started_on")),
                name="diagnostic_completed_after_started",
                violation_error_message=_("A diagnostic cannot be completed before it started."),
            ),
        ]

    def __str__(self):
        return _("Diagnostic of %(convention)s") % {"convention": self.convention.reference}


class IndicatorDefinition(models.Model):
    """An indicator shared by every diagnostic, such as the number of children under three."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=IndicatorSource.choices)
    domain = models.ForeignKey(
        Domain, verbose_name=_("domain"), on_delete=models.PROTECT, null=True, blank=True, related_name="indicators"
    )
    description = models.TextField(_("description"), blank=True)
    formula = models.CharField(
        _("formula"),
        max_length=255,
        blank=True,
        help_text=_(
            "Only for an indicator the portal computes instead of collecting it: other indicators' codes in "
            "braces with + − * / and parentheses, for example “{places-eaje} / {enfants-moins-3-ans} * 100”."
        ),
    )

    class Meta:
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")
        ordering = ["domain__position", "label"]

    def __str__(self):
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def clean(self):
        if not self.formula.strip():
            return
        try:
            formula = Formula.parse(self.formula)
        except FormulaError as error:
            raise ValidationError({"formula": str(error)}) from error
        if self.code in formula.codes:
            raise ValidationError({"formula": _("An indicator cannot be computed from itself.")})
        inputs = {
            definition.code: definition for definition in IndicatorDefinition.objects.filter(code__in=formula.codes)
        }
        unknown = [code for code in formula.codes if code not in inputs]
        if unknown:
            raise ValidationError({"formula": _("Unknown indicator codes: %(codes)s.") % {"codes": ", ".join(unknown)}})
        computed = [code for code, definition in inputs.items() if formula_source_for(definition)]
        if computed:
            raise ValidationError(
                {
                    "formula": _("A formula may only use collected indicators, not computed ones: %(codes)s.")
                    % {"codes": ", ".join(computed)}
                }
            )

    @property
    def is_computed(self) -> bool:
        return bool(formula_source_for(self))


class IndicatorValue(models.Model):
    """The value of an indicator for the whole EPCI or one of its communes, one year."""

    diagnostic = models.ForeignKey(
        Diagnostic, verbose_name=_("diagnostic"), on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.ForeignKey(
        IndicatorDefinition, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    territory = models.ForeignKey(
        Organisation,
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        related_name="indicator_values",
        limit_choices_to={"kind__in": [OrganisationKind.EPCI, OrganisationKind.COMMUNE]},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3)
    comment = models.CharField(_("comment"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "territory__name", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "indicator", "territory", "year"],
                name="indicator_value_unique",
                violation_error_message=_("This indicator already has a value for this territory and year."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR),
                name="indicator_value_year_range",
                violation_error_message=_("The year must be between 1950 and 2100."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.territory} {self.year}: {self.value}"

    def clean(self):
        territory = self.territory if self.territory_id else None
        if territory and territory.kind not in (OrganisationKind.EPCI, OrganisationKind.COMMUNE):
            raise ValidationError({"territory": _("Choose the intercommunality or one of its communes.")})


class Finding(models.Model):
    """A strength, weakness or need that the diagnostic found in one domain."""

    diagnostic = models.ForeignKey(
        Diagnostic, verbose_name=_("diagnostic"), on_delete=models.CASCADE, related_name="findings"
    )
    domain = models.ForeignKey(Domain, verbose_name=_("domain"), on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    title = models.CharField(_("title"), max_length=255)
    detail = models.TextField(_("detail"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["diagnostic", "domain__position", "kind", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values),
                name="finding_priority_valid",
                violation_error_message=_("Choose a priority among high, medium and low."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="finding_title_not_empty", violation_error_message=_("Give a title.")
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.title}"


class Consultation(models.Model):
    """A meeting with local actors held to build the diagnostic."""

    diagnostic = models.ForeignKey(
        Diagnostic, verbose_name=_("diagnostic"), on_delete=models.CASCADE, related_name="consultations"
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=255)
    domain = models.ForeignKey(
        Domain, verbose_name=_("domain"), on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    participants = models.TextField(_("participants"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations present"), related_name="consultations", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[organisations])

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["diagnostic", "held_on"]

    def __str__(self):
        return f"{self.held_on:%d/%m/%Y} — {self.title}"


class StagedImport(models.Model):
    """The rows of a CSV file waiting for the user to confirm the preview, then the trace it was applied.

    Only the random ``token`` travels through the browser. Confirming claims the row with a
    conditional ``UPDATE`` (``applied_at`` set while it was empty): two confirmations of the same
    preview, from two tabs or a double click, never apply it twice. Rows older than ``LIFETIME`` are
    removed when a new file is staged.
    """

    LIFETIME = datetime.timedelta(hours=12)

    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_token, editable=False)
    diagnostic = models.ForeignKey(
        Diagnostic, verbose_name=_("diagnostic"), on_delete=models.CASCADE, related_name="staged_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20)
    delimiter = models.CharField(_("separator"), max_length=1)
    has_comment_column = models.BooleanField(_("comment column"), default=False)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    # Each row as ``csv_import.RawRow.as_list()``; emptied once applied.
    rows = models.JSONField(_("rows"), default=list, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("staged CSV import")
        verbose_name_plural = _("staged CSV imports")

    def __str__(self):
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"
