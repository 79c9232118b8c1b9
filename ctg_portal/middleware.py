"""Project middleware."""

import contextlib
import datetime
import ipaddress

from django.conf import settings
from django.utils import timezone, translation


class FrenchByDefaultLocaleMiddleware:
    """Activates French unless the user chose another language with the language switcher.

    Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``; the portal's working
    language is French whatever the browser says, and English is a choice the user makes.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = (
            chosen if chosen in self.languages else translation.get_supported_language_variant(settings.LANGUAGE_CODE)
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY``: features no page may use.

    ``{"camera": []}`` gives ``camera=()``: refused to the page and to anything it embeds.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivateCacheForAuthenticatedUsersMiddleware:
    """Marks every response to a signed-in user ``Cache-Control: private, no-store``.

    Pages, exports and downloads show a user's conventions: neither a shared proxy nor the browser's
    disk cache may keep them (a shared office computer, the back button after logging out). Static
    files never reach this middleware: WhiteNoise answers them first, with their long cache headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class RealClientAddressMiddleware:
    """Behind the reverse proxy, takes the client's address from ``X-Real-IP`` (``TRUST_X_REAL_IP``).

    Through a proxy every request comes from the proxy's own address: the audit trail (signatures,
    status changes) would record it, and django-axes would lock an account for everyone after five
    failures by anyone. The proxy writes the address it saw (nginx: ``proxy_set_header X-Real-IP
    $remote_addr``), replacing any value the client sent; without a proxy the header is the client's
    own word, hence off by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = request.META.get("HTTP_X_REAL_IP", "").strip()
        with contextlib.suppress(ValueError):  # absent or malformed: keep the connection's address
            request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(address))
        return self.get_response(request)


class IdleSessionMiddleware:
    """Pushes a signed-in user's session expiry back while they are active (``SESSION_IDLE_TIMEOUT_MINUTES``).

    The session is saved again (new expiry, new cookie) at most once a minute, not at every request:
    an idle timeout needs no more precision, and a page then costs no session write. Needs the
    ``ctg_portal.sessions`` engine, which reads the stored expiry; placed after ``SessionMiddleware``
    so that this runs before it saves.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.keep_if_expiring_after = datetime.timedelta(
            seconds=settings.SESSION_COOKIE_AGE - min(60, settings.SESSION_COOKIE_AGE // 2)
        )

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        expiry = getattr(session, "stored_expiry", None)
        if expiry is not None and not session.is_empty() and expiry - timezone.now() < self.keep_if_expiring_after:
            session.modified = True  # SessionMiddleware saves it with a fresh expiry
        return response
