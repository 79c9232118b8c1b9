"""Test set-up: strict templates, real services in CI, and the shared fixtures."""

import os

import pytest
from django.conf import settings

from tests.partners.factories import MembershipFactory, UserFactory


class InvalidTemplateVariable(str):
    """Makes a template that prints an unknown variable fail the test instead of printing nothing."""

    def __mod__(self, name):
        raise AssertionError(f"Invalid template variable: {name!r}")


def pytest_configure(config):
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    # Uploaded files of a test run never land in the developer's var/ folder.
    settings.MEDIA_ROOT = os.path.join(config.rootpath, "var", "test-media")


@pytest.fixture(autouse=True)
def _no_real_emails(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def epci_staff(db):
    """A staff member of an EPCI (an ``Organisation`` of kind EPCI created by the factory)."""
    return MembershipFactory(organisation__intercommunality=True).user


@pytest.fixture
def anonymous_client(client):
    return client


@pytest.fixture
def user(db):
    return UserFactory()
