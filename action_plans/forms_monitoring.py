"""Small forms of the action plan's follow-up (quick edits, progress updates), checked again by the
services in ``services.monitoring``: the forms give friendly messages, the services the guarantee."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.validators import PROGRESS_MAX, PROGRESS_MIN, validate_progress

PROGRESS_MESSAGES = {
    "required": _("Give the progress, between 0 and 100 %."),
    "invalid": _("Give the progress as a whole number between 0 and 100."),
}


def progress_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Progress (%)"),
        validators=[validate_progress],
        error_messages=PROGRESS_MESSAGES,
        widget=forms.NumberInput(attrs={"min": PROGRESS_MIN, "max": PROGRESS_MAX, "step": 1, "inputmode": "numeric"}),
        **kwargs,
    )


class ServiceErrorsMixin:
    """Puts a service's ``ValidationError`` on the fields it names, or on the form."""

    def add_service_errors(self, error) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


STALE_FORM_MESSAGES = {
    "required": _("This form is incomplete: reload the page and enter your changes again."),
    "invalid": _("This form is incomplete: reload the page and enter your changes again."),
}


class ActionQuickEditForm(ServiceErrorsMixin, forms.Form):
    # The fiche's version the form was opened on: a save made since refuses this one (no lost update).
    lock_version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_FORM_MESSAGES)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ActionStatus.choices,
        error_messages={"required": _("Choose a status."), "invalid_choice": _("Choose a status from the list.")},
    )
    progress = progress_field()


class ProgressUpdateForm(ServiceErrorsMixin, forms.Form):
    reported_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date of this update."), "invalid": _("Give a valid date.")},
    )
    progress = progress_field()
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, what is blocking, what comes next."),
    )

    def clean_reported_on(self):
        reported_on = self.cleaned_data["reported_on"]
        if reported_on > timezone.localdate():
            raise forms.ValidationError(_("The date of an update cannot be in the future."))
        return reported_on

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker offers no future date; clean_reported_on still checks.
        self.fields["reported_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class IndicatorValueForm(ServiceErrorsMixin, forms.Form):
    current_value = forms.DecimalField(
        label=_("Current value"),
        required=False,
        max_digits=14,
        decimal_places=3,
        localize=True,
        help_text=_("Leave empty if not measured yet."),
        error_messages={
            "invalid": _("Give a number, for example 12 or 12,5."),
            "max_digits": _("This number is too long."),
            "max_decimal_places": _("Give at most three decimals."),
            "max_whole_digits": _("This number is too large."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
    )


class FundingStatusForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Funding status"),
        choices=FundingStatus.choices,
        error_messages={"required": _("Choose a status."), "invalid_choice": _("Choose a status from the list.")},
    )
