"""Project middleware."""

from django.conf import settings
from django.utils import translation


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
