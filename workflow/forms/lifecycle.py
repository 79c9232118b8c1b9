"""The form behind every lifecycle button: the status the page showed, and a comment or a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from conventions.choices import ConventionStatus
from workflow.services.review import MAX_BODY_LENGTH


class TransitionForm(forms.Form):
    # The status the page showed (stale-tab guard): the service refuses if the convention moved on.
    expected_status = forms.ChoiceField(
        choices=ConventionStatus.choices,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This page is out of date: reload it and try again."),
            "invalid_choice": _("This page is out of date: reload it and try again."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=MAX_BODY_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It is kept in the convention's timeline, for every party to read."),
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            comment = self.fields["comment"]
            comment.required = True
            comment.label = _("Reason")
            comment.error_messages["required"] = _("Give the reason: the other parties will read it.")
