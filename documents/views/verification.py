"""The verification page: anyone, signed in or not, uploads a PDF and learns whether the portal issued it.

The page is public (``login_not_required``): a prefecture or an auditor scanning the QR code of a
printed convention has no account. Nothing is stored: the upload is read in memory (or Django's
temporary file), checked in the PDF sandbox, and dropped with the request. The convention's details
are shown only to users who may see that convention; others learn only what the file itself proves
(``as_seen_by``): authentic or not and, for a file the portal vouches for, its convention's
reference, version number, kind and issue date. Each signed-in person and each IP address may send
``VERIFICATION_RATE_LIMIT`` files per window (anonymous visitors: per address only): beyond, 429 and
nothing read. The QR code of a signed convention links here with ``?reference=…&version=…``: the page
then says which document the reader is about to check, echoing the link, without any database lookup
for an anonymous visitor (the same answer whether the reference exists or not, and nothing to limit).
"""

import math

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from conventions.models import Convention, ConventionVersion
from ctg_portal import rate_limits
from documents.forms import VerifyDocumentForm
from documents.verification import as_seen_by, verify_pdf


def _announced(request) -> dict | None:
    """The convention and version the link announces (``?reference=…&version=…``), if the user may see them."""
    reference = request.GET.get("reference", "").strip()[:40]
    number = request.GET.get("version", "").strip()
    if not reference:
        return None
    announced = {"reference": reference, "number": int(number) if number.isdigit() and len(number) < 6 else None}
    announced["convention"] = None
    announced["version"] = None
    announced["newest"] = None
    if not request.user.is_authenticated:  # nothing to look up: anonymous visitors see no convention
        return announced
    convention = Convention.objects.visible_to(request.user).filter(reference=reference).first()
    announced["convention"] = convention
    if convention is not None and announced["number"] is not None:
        versions = ConventionVersion.objects.defer("content_json").filter(convention=convention)
        announced["version"] = versions.filter(number=announced["number"]).first()
        newest = versions.order_by("-number").first()
        if announced["version"] is not None and newest.number > announced["version"].number:
            announced["newest"] = newest
    return announced


def _over_rate_limit(request) -> bool:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it
    # (RealClientAddressMiddleware). Anonymous visitors share no "user" counter: their address is theirs.
    identities = [f"ip:{request.META.get('REMOTE_ADDR', '')}"]
    if request.user.is_authenticated:
        identities.insert(0, f"user:{request.user.pk}")
    return rate_limits.over_limit(
        "verification",
        identities,
        limit=settings.VERIFICATION_RATE_LIMIT,
        window_seconds=settings.VERIFICATION_RATE_WINDOW_SECONDS,
    )


@login_not_required
@never_cache
def verify(request):
    result = None
    show_details = False
    rate_limited = False
    if request.method == "POST" and _over_rate_limit(request):
        rate_limited = True
        form = VerifyDocumentForm()
    elif request.method == "POST":
        form = VerifyDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            result, show_details = as_seen_by(verify_pdf(form.read()), request.user)
            form = VerifyDocumentForm()
    else:
        form = VerifyDocumentForm()
    window = settings.VERIFICATION_RATE_WINDOW_SECONDS
    retry_after = rate_limits.seconds_left_in_window(window)
    response = render(
        request,
        "documents/verification/verify.html",
        {
            "form": form,
            "result": result,
            "show_details": show_details,
            "rate_limited": rate_limited,
            "rate_limit": settings.VERIFICATION_RATE_LIMIT,
            "rate_window_minutes": max(1, round(window / 60)),
            "rate_limit_minutes": math.ceil(retry_after / 60),
            "announced": _announced(request),
        },
        status=429 if rate_limited else 200,
    )
    if rate_limited:
        response["Retry-After"] = str(retry_after)
    return response
