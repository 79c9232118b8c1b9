"""The verification page's form: one PDF, checked for size before it is read (nothing is stored)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from documents.verification import MAX_BYTES


class VerifyDocumentForm(forms.Form):
    document = forms.FileField(
        label=_("PDF document to verify"),
        help_text=_("The file is only read to compute its fingerprint and check its signature: it is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Choose the PDF file to verify."),
            "empty": _("The file is empty."),
        },
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB: no document issued by the portal is that large."),
                params={"size": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

    def read(self) -> bytes:
        """The uploaded bytes (at most one over the limit, in case the declared size lied)."""
        upload = self.cleaned_data["document"]
        upload.seek(0)
        return upload.read(MAX_BYTES + 1)
