"""Forms of the Équipe page: invite a person, make a member référent or not."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.choices import MembershipRole
from partners.services.accounts import EMAIL_MAX_LENGTH, FULL_NAME_MAX_LENGTH

ROLE_CHOICES = [
    (MembershipRole.STAFF, _("Staff: prepares and follows the conventions of the organisation")),
    (MembershipRole.READER, _("Read-only member: reads them without editing them")),
]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Give the e-mail address of the person to invite."),
            "invalid": _("Give a valid e-mail address, such as prenom.nom@example.fr."),
            "max_length": _("This e-mail address is too long to name an account (%(limit_value)d characters at most)."),
        },
    )
    full_name = forms.CharField(
        label=_("First and last name"),
        max_length=FULL_NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Optional: the person can correct it when accepting."),
        error_messages={"max_length": _("The name is limited to %(limit_value)d characters.")},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        initial=MembershipRole.STAFF,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the person's role."), "invalid_choice": _("Choose the person's role.")},
    )
    is_referent = forms.BooleanField(
        label=_("Référent: also invites and removes the organisation's members"),
        required=False,
    )


class ReferentForm(forms.Form):
    """The « make référent » and « no longer référent » buttons post this one field."""

    is_referent = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", empty_value=None
    )
