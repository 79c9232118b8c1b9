"""The verification page: any signed-in user uploads a PDF and learns whether the portal issued it.

Nothing is stored: the upload is read in memory (or Django's temporary file), checked, and dropped
with the request. The convention, version and dates are shown only to users who may see that
convention; others learn only whether the portal issued the document and whether it is intact.
The QR code of a signed convention links here with ``?reference=…&version=…``: the page then says
which document the reader is about to check.
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from conventions.models import Convention, ConventionVersion
from documents.forms import VerifyDocumentForm
from documents.verification import details_visible, verify_pdf


def _announced(request) -> dict | None:
    """The convention and version the link announces (``?reference=…&version=…``), if the user may see them."""
    reference = request.GET.get("reference", "").strip()[:40]
    number = request.GET.get("version", "").strip()
    if not reference:
        return None
    announced = {"reference": reference, "number": int(number) if number.isdigit() and len(number) < 6 else None}
    convention = Convention.objects.visible_to(request.user).filter(reference=reference).first()
    announced["convention"] = convention
    announced["version"] = None
    announced["newest"] = None
    if convention is not None and announced["number"] is not None:
        versions = ConventionVersion.objects.defer("content_json").filter(convention=convention)
        announced["version"] = versions.filter(number=announced["number"]).first()
        newest = versions.order_by("-number").first()
        if announced["version"] is not None and newest.number > announced["version"].number:
            announced["newest"] = newest
    return announced


@never_cache
def verify(request):
    result = None
    show_details = False
    if request.method == "POST":
        form = VerifyDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            result = verify_pdf(form.read())
            show_details = details_visible(result, request.user)
            form = VerifyDocumentForm()
    else:
        form = VerifyDocumentForm()
    return render(
        request,
        "documents/verification/verify.html",
        {
            "form": form,
            "result": result,
            "show_details": show_details,
            "announced": _announced(request),
        },
    )
