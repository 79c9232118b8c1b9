"""Production headers and settings: CSP, Permissions-Policy, private caching, idle sessions, CSRF page, deploy check."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ctg_portal.middleware import RealClientAddressMiddleware
from tests.action_plans.factories import ActionFactory

BASE_DIR = Path(__file__).resolve().parent.parent

# What README « Mise en production » asks a CAF's IT team to set, with a throw-away key.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "9f3Zq-Lm0vX_wR7tYp2BcNd8" + "e" * 20,
    "ALLOWED_HOSTS": "ctg.exemple.fr",
    "CSRF_TRUSTED_ORIGINS": "https://ctg.exemple.fr",
    "PORTAL_BASE_URL": "https://ctg.exemple.fr",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_COOKIES": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
}
# Variables of the test run that must not leak into the production-like subprocess (pytest sets the
# last one, which `check --deploy` rightly refuses).
LEFT_OUT_VARIABLES = (
    *PRODUCTION_ENV,
    "SESSION_IDLE_TIMEOUT_MINUTES",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "TRUST_X_REAL_IP",
)


def run_in_subprocess(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Runs ``args`` in a fresh Python process with the settings read from exactly this environment."""
    environment = {key: value for key, value in os.environ.items() if key not in LEFT_OUT_VARIABLES}
    environment.update(env, DJANGO_SETTINGS_MODULE="ctg_portal.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def setting_in_subprocess(expression: str, **env: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = run_in_subprocess(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def staff_client(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    return client


# --- Content-Security-Policy and Permissions-Policy ---------------------------------------------------


def test_an_authenticated_page_carries_the_content_security_policy(staff_client):
    policy = staff_client.get(reverse("workflow:home"))["Content-Security-Policy"]
    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["default-src"] == "'self'"
    # The nonce is added when the page uses one (see the next test); never 'unsafe-inline' nor 'unsafe-eval'.
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9+/=]+')?", directives["script-src"])
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_an_inline_script_carries_the_nonce_of_the_policy_and_no_element_has_a_style_attribute(staff_client, world):
    convention, _users = world
    ActionFactory(orientation__plan__convention=convention, progress=40)
    response = staff_client.get(reverse("action_plans:plan", args=[convention.pk]))
    content = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", content)
    assert inline_scripts, "the plan page has an inline script (htmx error handler)"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)
    # Inline styles are refused by the policy: the progress bar's width is a class.
    assert "progress-width-40" in content
    assert not re.search(r"<[^>]+\sstyle=", content)
    assert "<style" not in content


def test_every_progress_width_has_its_class():
    css = (BASE_DIR / "static" / "css" / "progress-widths.css").read_text()
    for percent in range(101):
        assert f".progress-width-{percent} {{ width: {percent}%; }}" in css


def test_the_permissions_policy_refuses_the_sensitive_browser_features(staff_client):
    policy = staff_client.get(reverse("workflow:home"))["Permissions-Policy"]
    features = dict(item.split("=") for item in policy.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()"


def test_the_login_page_carries_both_policies_too(client, db):
    response = client.get(reverse("login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


# --- Caching ------------------------------------------------------------------------------------------


def test_pages_for_a_signed_in_user_are_private_and_not_stored(staff_client):
    assert staff_client.get(reverse("workflow:home"))["Cache-Control"] == "private, no-store"


def test_refused_pages_for_a_signed_in_user_are_not_stored_either(client, world):
    convention, users = world
    client.force_login(users["unrelated_user"])
    response = client.get(reverse("workflow:detail", args=[convention.pk]))
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("export", ["export_csv", "export_xlsx"])
def test_exports_are_private_and_not_stored(staff_client, world, export):
    convention, _users = world
    ActionFactory(orientation__plan__convention=convention)
    response = staff_client.get(reverse(f"action_plans:{export}", args=[convention.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_static_files_keep_their_cache_headers_even_for_a_signed_in_user(staff_client):
    response = staff_client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "private" not in response.get("Cache-Control", "")
    response.close()


def test_an_anonymous_page_is_not_marked_by_the_middleware(client, db):
    # The login page is Django's never_cache view: its own header, not the middleware's exact value.
    response = client.get(reverse("login"))
    assert response["Cache-Control"] != "private, no-store"


# --- Idle sessions ------------------------------------------------------------------------------------


def test_the_session_lasts_two_hours_of_inactivity_by_default(settings):
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 120
    assert settings.SESSION_COOKIE_AGE == 120 * 60


def test_a_session_saved_less_than_a_minute_ago_is_not_written_again(staff_client):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("workflow:home"))
    assert response.status_code == 200
    assert not [query for query in queries if query["sql"].startswith("UPDATE") and "django_session" in query["sql"]]
    assert "sessionid" not in response.cookies


def test_each_request_pushes_the_session_expiry_back(staff_client):
    session_key = staff_client.session.session_key
    Session.objects.filter(session_key=session_key).update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    response = staff_client.get(reverse("workflow:home"))
    assert response.status_code == 200
    expiry = Session.objects.get(session_key=session_key).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=119)
    assert response.cookies["sessionid"]["max-age"] == 7200


def test_a_session_idle_for_longer_than_the_timeout_is_over(staff_client):
    session_key = staff_client.session.session_key
    Session.objects.filter(session_key=session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = staff_client.get(reverse("workflow:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_idle_timeout_comes_from_the_environment():
    assert setting_in_subprocess("settings.SESSION_COOKIE_AGE", DEBUG="true", SESSION_IDLE_TIMEOUT_MINUTES="30") == (
        "1800"
    )


def test_an_idle_timeout_below_one_minute_is_refused():
    result = run_in_subprocess(["-c", "import django; django.setup()"], DEBUG="true", SESSION_IDLE_TIMEOUT_MINUTES="0")
    assert result.returncode != 0
    assert "SESSION_IDLE_TIMEOUT_MINUTES must be 1 or more" in result.stderr


# --- CSRF failure page --------------------------------------------------------------------------------


def test_a_refused_form_post_explains_in_french_to_reload_the_page(world):
    convention, users = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["epci_staff"])
    page = reverse("workflow:detail", args=[convention.pk])
    response = client.post(reverse("logout"), HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 403
    content = response.content.decode()
    assert "La page a expiré" in content
    assert "la page était restée ouverte trop longtemps" in content
    assert "Rechargez la page, puis recommencez." in content
    assert f'href="http://testserver{page}"' in content
    assert "CSRF" not in content
    # Nothing happened: the user is still signed in.
    assert client.get(reverse("workflow:home")).status_code == 200


def test_the_csrf_page_never_links_to_another_site(world):
    _convention, users = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["epci_staff"])
    response = client.post(reverse("logout"), HTTP_REFERER="https://attaquant.example/piege")
    assert response.status_code == 403
    assert "attaquant.example" not in response.content.decode()


# --- Production settings ------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = run_in_subprocess(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_them():
    result = run_in_subprocess(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=PRODUCTION_ENV["SECRET_KEY"],
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS
    assert "security.W008" in result.stderr + result.stdout  # SSL redirect


def test_the_production_settings_are_read_from_the_environment():
    values = setting_in_subprocess(
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER, settings.SESSION_COOKIE_SECURE",
        **PRODUCTION_ENV,
    )
    assert values == "31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https') True"


def test_hsts_is_sent_over_https(settings, client, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- Client address behind the proxy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("", "10.0.0.1"),
        ("1.2.3.4, 5.6.7.8", "10.0.0.1"),
    ],
)
def test_the_proxy_address_is_replaced_by_the_client_address_it_reports(rf, header, expected):
    request = rf.get("/", HTTP_X_REAL_IP=header, REMOTE_ADDR="10.0.0.1")
    seen = {}
    RealClientAddressMiddleware(lambda request: seen.setdefault("address", request.META["REMOTE_ADDR"]))(request)
    assert seen["address"] == expected


def test_x_real_ip_is_ignored_unless_the_environment_trusts_it(settings):
    assert "ctg_portal.middleware.RealClientAddressMiddleware" not in settings.MIDDLEWARE
    first = setting_in_subprocess("settings.MIDDLEWARE[0]", **PRODUCTION_ENV, TRUST_X_REAL_IP="true")
    assert first == "ctg_portal.middleware.RealClientAddressMiddleware"
