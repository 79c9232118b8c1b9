"""Playwright on Debian's chromium: ``playwright install`` cannot download browsers here."""

import os
import shutil
from importlib import import_module

import pytest

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
def demo_data(transactional_db):
    """The demo, loaded as ``make run`` loads it, in a database the live server can read.

    The live server needs committed data, so these tests are transactional: Django empties every
    table after each of them, including the domains seeded by a data migration. Seed them again.
    (Serialized rollback cannot help: Playwright runs the test in a greenlet, where Django opens
    another connection object without the serialized contents.)
    """
    from django.apps import apps
    from django.core.management import call_command

    import_module("conventions.migrations.0002_seed_domains").seed_domains(apps, schema_editor=None)
    call_command("load_demo", verbosity=0)


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
