"""The versions of a convention: each frozen text with its hash and signatures, and its exact bytes.

Anyone who may see the convention may read its versions and download a version's canonical content,
so that anyone can check its SHA-256 with ``sha256sum`` without trusting the portal.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from workflow import selectors


def version_detail(request, convention_pk: int, number: int):
    version = selectors.version_detail(user=request.user, convention_pk=convention_pk, number=number)
    convention = version.convention
    return render(
        request,
        "workflow/versions/version_detail.html",
        {
            "convention": convention,
            "version": version,
            "content": version.content,
            "is_intact": version.is_intact,
            "abilities": convention.get_abilities(request.user),
        },
    )


def version_json(request, convention_pk: int, number: int):
    """The stored canonical serialisation, byte for byte: its SHA-256 is the version's hash."""
    version = selectors.version_for_user(user=request.user, convention_pk=convention_pk, number=number)
    response = HttpResponse(version.content_json.encode("utf-8"), content_type="application/json")
    filename = f"{version.convention.reference}-version-{version.number}.json"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-SHA256"] = version.content_sha256
    return response
