"""Forms of the account pages: accept an invitation by choosing a password, ask for a password reset."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordMixin
from django.utils.translation import gettext_lazy as _

from ctg_portal.queueing import enqueue_on_commit
from partners.tasks import send_password_reset

User = get_user_model()


class AcceptInvitationForm(SetPasswordMixin, forms.Form):
    """Names (pre-filled from the invitation) and a password typed twice, checked by Django's validators."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=User._meta.get_field("first_name").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=User._meta.get_field("last_name").max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Choose a password"), label2=_("Type the password again")
    )

    def __init__(self, *args, invitation, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # Checked against what the account will hold, so that a password close to the name is refused.
        candidate = User(
            username=self.invitation.email.lower(),
            email=self.invitation.email,
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
        )
        self.validate_password_for_user(candidate)
        return cleaned


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, whose e-mail is left to a Celery task: the request only queues the account's id.

    Whether the address has an account or not, the page answers the same and at the same speed; the
    task makes the link's token and sends the French e-mail.
    """

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        enqueue_on_commit(send_password_reset, (context["user"].pk,))
