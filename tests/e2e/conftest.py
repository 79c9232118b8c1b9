"""Playwright on Debian's chromium: ``playwright install`` cannot download browsers here."""

import os
import shutil
from importlib import import_module

import pytest

from tests.demo_accounts import DEMO_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        message = f"Chromium is missing at {CHROMIUM} (run `make install`)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def csp_violations():
    """The Content-Security-Policy violations the browser reported during the test."""
    return []


@pytest.fixture
def context(context, csp_violations):
    """Each test's browser context, failing the test on any Content-Security-Policy violation.

    Chromium reports a refused inline script or style, eval or foreign resource on the console; a
    page the policy breaks must fail here, not in front of a user.
    """

    def note_violation(message):
        if "Content Security Policy" in message.text:
            csp_violations.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", note_violation)
    yield context
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def demo_data(transactional_db, settings):
    """The demo, loaded as ``make run`` loads it, in a database the live server can read.

    The live server needs committed data, so these tests are transactional: Django empties every
    table after each of them, including the domains seeded by a data migration. Seed them again.
    (Serialized rollback cannot help: Playwright runs the test in a greenlet, where Django opens
    another connection object without the serialized contents.)
    """
    from django.apps import apps
    from django.core.management import call_command

    import_module("conventions.migrations.0002_seed_domains").seed_domains(apps, schema_editor=None)
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    # Tests run with DEBUG off, as production does.
    call_command("load_demo", "--allow-production", verbosity=0)


@pytest.fixture
def grand_cahors_in_drafting(demo_data):
    """Grand Cahors' CTG as its staff see it while drafting an avenant: content editable again.

    The demo's Grand Cahors is signed and expired (frozen); the journeys that edit its diagnostic and
    plan need it in drafting, the state opening an avenant leads to (``convention_open_amendment``),
    set here directly because an expired convention can no longer be amended.
    """
    from conventions.choices import ConventionStatus
    from conventions.models import Convention

    grand_cahors = Convention.objects.get(epci__siren="200023737")
    Convention.objects.filter(pk=grand_cahors.pk).update(status=ConventionStatus.DRAFT, amendment_number=1)
    return grand_cahors
