"""Forms of the review page: a new comment on a part of the convention, a reply in a thread."""

from django import forms
from django.utils.translation import gettext_lazy as _

from conventions.choices import CommentAnchor
from workflow.services.review import MAX_BODY_LENGTH

BODY_ERRORS = {
    "required": _("Write a comment."),
    "max_length": _("A comment is limited to %(limit_value)d characters (this one has %(show_value)d)."),
}


class ReviewCommentForm(forms.Form):
    anchor = forms.ChoiceField(choices=CommentAnchor.choices, widget=forms.HiddenInput)
    target_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_BODY_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=BODY_ERRORS,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=BODY_ERRORS,
    )
