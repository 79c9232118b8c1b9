"""Forms of the diagnostic pages, with French messages; services validate the same rules again."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from diagnostics.csv_import import MAX_BYTES, parse_decimal
from diagnostics.models import MAX_YEAR, MIN_YEAR, Consultation, Diagnostic, Finding


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ``ValidationError`` on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def mark_invalid_fields(form: forms.Form) -> None:
    """Bootstrap's red border and the ARIA attributes on each field with an error."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["title", "detail", "priority"]
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off", "class": "form-control form-control-sm"}),
            "detail": forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
            "priority": forms.Select(attrs={"class": "form-select form-select-sm"}),
        }
        labels = {"title": _("Title"), "detail": _("Detail (optional)")}
        error_messages = {
            "title": {
                "required": _("Give the finding a title."),
                "max_length": _("The title is too long (255 characters at most)."),
            }
        }

    def full_clean(self):
        super().full_clean()
        mark_invalid_fields(self)


class DecimalTextField(forms.CharField):
    """A number typed the French way (« 1 234,5 ») or with a dot; blank means no value."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_decimal(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error


class IndicatorValuesForm(forms.Form):
    """The values of one indicator: one cell per territory and year, and a column for a new year."""

    new_year = forms.IntegerField(
        label=_("New year"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "min_value": _("The year must be between 1950 and 2100."),
            "max_value": _("The year must be between 1950 and 2100."),
            "invalid": _("Type a year, such as 2023."),
        },
    )

    def __init__(self, *args, territories, years: list[int], initial_values: dict, format_value, **kwargs):
        super().__init__(*args, **kwargs)
        self.territories, self.years = territories, years
        self.fields["new_year"].widget.attrs.update({"class": "form-control form-control-sm", "inputmode": "numeric"})
        for territory in territories:
            for year in [*years, None]:
                name = self.cell_name(territory.pk, year)
                number = initial_values.get((territory.pk, year)) if year else None
                self.fields[name] = DecimalTextField(
                    required=False,
                    initial=format_value(number) if number is not None else "",
                    label=f"{territory.display_name}, {year or _('new year')}",
                )
                self.fields[name].widget.attrs.update(
                    {
                        "class": "form-control form-control-sm value-input",
                        "inputmode": "decimal",
                        "maxlength": 40,
                        "aria-label": self.fields[name].label,
                    }
                )

    def full_clean(self):
        super().full_clean()
        mark_invalid_fields(self)

    @staticmethod
    def cell_name(territory_id: int, year: int | None) -> str:
        return f"v_{territory_id}_{year or 'new'}"

    def grid(self):
        """Rows for the template: the territory, its cells for each year, and its new-year cell."""
        return [
            {
                "territory": territory,
                "cells": [self[self.cell_name(territory.pk, year)] for year in self.years],
                "new": self[self.cell_name(territory.pk, None)],
            }
            for territory in self.territories
        ]

    def clean(self):
        cleaned = super().clean()
        new_year = cleaned.get("new_year")
        new_values = [
            territory for territory in self.territories if cleaned.get(self.cell_name(territory.pk, None)) is not None
        ]
        if new_values and new_year is None and "new_year" not in self.errors:
            self.add_error("new_year", _("Give the year of the new column."))
        if new_year is not None and new_year in self.years:
            self.add_error("new_year", _("This year already has a column: type its values there."))
        return cleaned

    def values(self) -> dict[tuple[int, int], Decimal | None]:
        """Every cell, keyed by (territory id, year); ``None`` for a blank one (the value is deleted)."""
        values = {}
        for territory in self.territories:
            for year in self.years:
                values[(territory.pk, year)] = self.cleaned_data.get(self.cell_name(territory.pk, year))
            new_year = self.cleaned_data.get("new_year")
            number = self.cleaned_data.get(self.cell_name(territory.pk, None))
            if new_year is not None and number is not None:
                values[(territory.pk, new_year)] = number
        return values


class DiagnosticForm(forms.ModelForm):
    class Meta:
        model = Diagnostic
        fields = ["summary", "started_on", "completed_on"]
        labels = {
            "summary": _("Introduction"),
            "started_on": _("Started on"),
            "completed_on": _("Completed on"),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "summary": _(
                "What the diagnostic covers, how it was carried out and with whom; it opens the diagnostic in the "
                "convention and its annex."
            ),
            "completed_on": _("Leave empty while the diagnostic is under way."),
        }
        error_messages = {
            "started_on": {"invalid": _("Type a valid date.")},
            "completed_on": {"invalid": _("Type a valid date.")},
        }


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["held_on", "title", "domain", "participants", "organisations", "notes"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 5}),
            "organisations": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "participants": _("Names and roles of the people who took part, one per line."),
            "organisations": _("The convention's parties, the intercommunality and its communes."),
        }
        error_messages = {
            "title": {"required": _("Give the consultation a title.")},
            "held_on": {"required": _("Give the date of the consultation."), "invalid": _("Type a valid date.")},
        }

    def __init__(self, *args, domains, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = domains
        self.fields["domain"].empty_label = _("All domains")
        self.fields["organisations"].queryset = organisations


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        error_messages={"required": _("Choose a CSV file."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is too large: at most %(size)s MB. Split it into several files."),
                params={"size": MAX_BYTES // (1024 * 1024)},
            )
        return upload
