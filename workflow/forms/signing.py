"""Forms of the signature: signing in the portal, declining, recording a paper signature.

They parse and give French messages for what a person can fix on the form; every rule about who
may sign what, when, stays in ``workflow.services.signing``, which checks it again.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conventions.models import Convention, ConventionVersion, Party
from workflow.services import signing

REASON_MAX_LENGTH = 2000


def consent_sentence(*, convention: Convention, version: ConventionVersion, party: Party) -> str:
    """What the signatory declares by ticking the box: the exact text, by its number and hash."""
    representative = party.representative
    return gettext(
        "I sign the convention %(reference)s version %(number)s (SHA-256 fingerprint %(hash)s) "
        "on behalf of %(organisation)s, as %(title)s."
    ) % {
        "reference": convention.reference,
        "number": version.number,
        "hash": version.content_sha256,
        "organisation": party.organisation.name,
        "title": representative.title if representative else "",
    }


class SignForm(forms.Form):
    version_id = forms.IntegerField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        error_messages={"required": _("Tick the box to say that you sign this exact version.")},
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("The password you log in with: it confirms that you are the one signing."),
        error_messages={"required": _("Enter your password to sign.")},
    )

    def __init__(self, *args, convention: Convention, version: ConventionVersion, party: Party, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version_id", version.pk)
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_sentence(convention=convention, version=version, party=party)


class DeclineForm(forms.Form):
    version_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why do you decline to sign?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The intercommunality's staff and the signatories who have already signed will read it."),
        error_messages={"required": _("Give the reason: the other parties will read it.")},
    )

    def __init__(self, *args, version: ConventionVersion, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version_id", version.pk)
        super().__init__(*args, **kwargs)


class PaperSignatureForm(forms.Form):
    version_id = forms.IntegerField(widget=forms.HiddenInput)
    signed_on = forms.DateField(
        label=_("Date of signature"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"required": _("Give the date of the signature."), "invalid": _("Enter a valid date.")},
    )
    place = forms.CharField(
        label=_("Place of signature"),
        max_length=150,
        help_text=_("The town where the page was signed, as written on it."),
        error_messages={"required": _("Give the place where the convention was signed.")},
    )
    scan = forms.FileField(
        label=_("Scanned signature page (PDF, 10 MB at most)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
        error_messages={"required": _("Attach the scanned signature page (PDF).")},
    )
    signer_name = forms.CharField(label=_("Signed by"), max_length=150)
    signer_title = forms.CharField(label=_("Title of the signer"), max_length=200)

    def __init__(self, *args, version: ConventionVersion, party: Party, **kwargs):
        representative = party.representative
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("version_id", version.pk)
        if representative is not None:
            initial.setdefault("signer_name", representative.full_name)
            initial.setdefault("signer_title", representative.title)
        super().__init__(*args, **kwargs)
        self.approved_on = timezone.localdate(version.approved_at)
        self.fields["scan"].help_text = gettext("A readable PDF of at most %(pages)s pages: the signed pages only.") % {
            "pages": settings.SCAN_MAX_PAGES
        }
        self.fields["signed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["signed_on"].widget.attrs["min"] = self.approved_on.isoformat()

    def clean_signed_on(self) -> datetime.date:
        # The service checks these again; here they show next to the field, with the other errors.
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise ValidationError(_("The date of signature cannot be in the future."))
        if signed_on < self.approved_on:
            raise ValidationError(
                _("The date of signature cannot come before the approval of this version (%(date)s).")
                % {"date": self.approved_on.strftime("%d/%m/%Y")}
            )
        return signed_on

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        try:
            signing.check_scan(scan)
        except signing.SignatureRefused as error:
            raise ValidationError(str(error)) from error
        return scan
