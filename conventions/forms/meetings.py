"""Forms of the meetings pages: schedule or change a meeting, record what happened at it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from conventions.choices import MeetingKind
from conventions.models import GovernanceMember
from conventions.services.meetings import LOCATION_LENGTH, TEXT_LENGTH

DATE_ERRORS = {"required": _("Give the date of the meeting."), "invalid": _("Give a valid date, such as 15/03/2025.")}
TEXT_ERRORS = {"max_length": _("This text is limited to %(limit_value)d characters (it has %(show_value)d).")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MeetingForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose one of this convention's committees."),
            "invalid_choice": _("Choose one of this convention's committees."),
        },
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput(), error_messages=DATE_ERRORS)
    kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=MeetingKind.choices,
        initial=MeetingKind.FOLLOW_UP,
        error_messages={"required": _("Choose the kind of meeting.")},
    )
    location = forms.CharField(label=_("Place"), max_length=LOCATION_LENGTH, required=False, error_messages=TEXT_ERRORS)
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=TEXT_ERRORS,
        help_text=_("One item per line."),
    )

    def __init__(self, *args, convention, fixed_body=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_body is not None:  # a meeting keeps its committee: only its date and agenda change
            del self.fields["body"]
        else:
            self.fields["body"].queryset = convention.governance_bodies.order_by("kind", "name")


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        representative = member.representative
        parts = [representative.full_name]
        if representative.title:
            parts.append(representative.title)
        parts.append(representative.organisation.display_name)
        return " — ".join(parts)


class MeetingRecordForm(forms.Form):
    attendees = MemberChoiceField(
        label=_("Present"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Attendance is recorded among the committee's members only.")},
    )
    decisions = forms.CharField(
        label=_("Decisions taken"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=TEXT_ERRORS,
        help_text=_("One decision per line: they appear as such in the meeting's report."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=TEXT_ERRORS,
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = GovernanceMember.objects.filter(body_id=meeting.body_id).select_related(
            "representative__organisation"
        )


class ReportApprovalForm(forms.Form):
    """The day the committee approved the report (today, or the day of a later meeting that approved it)."""

    approved_on = forms.DateField(
        label=_("Approved by the committee on"),
        widget=DateInput(),
        error_messages={
            "required": _("Give the date on which the committee approved the report."),
            "invalid": _("Give a valid date, such as 15/03/2025."),
        },
    )
