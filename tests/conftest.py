"""Test set-up: strict templates, fast password hashing, local e-mail, and the shared fixtures."""

import pytest
from django.conf import settings

from tests.roles import world  # noqa: F401 (a fixture shared by the permission tests)


class InvalidTemplateVariable(str):
    """Makes a template that prints an unknown variable fail the test instead of printing nothing."""

    def __mod__(self, name):
        raise AssertionError(f"Invalid template variable: {name!r}")


def pytest_configure(config):
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    # Hashing each factory user's password with PBKDF2 would cost a minute per hundred tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests do not run collectstatic: serve static files from the source folders, without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.MEDIA_ROOT = config.rootpath / "var" / "test-media"


@pytest.fixture(autouse=True)
def _no_real_emails(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
