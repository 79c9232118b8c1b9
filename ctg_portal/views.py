"""Project-wide views."""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def csrf_failure(request, reason=""):
    """The page of a refused form post (CSRF check failed), in the portal's language, status 403.

    It happens to people, not only to attackers: a form left open while the user logged in again in
    another tab (which renews the CSRF token), or a page restored by the browser long after. Tell them
    to reload the page; Django's ``reason`` is for developers and is not shown.
    """
    previous = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        previous, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        previous = ""
    return render(request, "403_csrf.html", {"previous_page": previous}, status=403)
