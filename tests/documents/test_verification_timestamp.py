"""The public verification page dates a long-term seal by its timestamp authority, not by the server's clock.

The seal is made with the test PKI (tests/documents/conftest.py): a real RFC 3161 authority over local HTTP."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format

from conventions.choices import ConventionStatus
from documents.verification import verify_pdf
from tests.conventions.factories import ConventionFactory
from tests.documents.test_public_verification import result_section, words
from tests.documents.test_verification import issue, portal_pdf, upload

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def issued_long_ago(data, version):
    """The portal's record of the file, its server-side time set far from the timestamp's."""
    document = issue(data, version=version)
    type(document).objects.filter(pk=document.pk).update(finished_at=LONG_AGO, requested_at=LONG_AGO)
    return document


def shown(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i:s")


def test_a_timestamped_seal_is_dated_by_its_authority(long_term_seal):
    version = ConventionFactory(status=ConventionStatus.SIGNED).signed_version
    data = portal_pdf(version)
    issued_long_ago(data, version)

    result = verify_pdf(data)

    assert result.authentic and result.registered
    assert result.signature.timestamp_authority == "Horodatage de test"
    assert abs(result.timestamped_at - timezone.now()) < datetime.timedelta(minutes=5)
    assert result.issued_at == result.timestamped_at  # not the record's server time
    assert result.as_dict()["signature"]["timestamped_at"] == result.timestamped_at.isoformat()


def test_the_page_shows_the_authoritys_time_to_an_anonymous_visitor(client, long_term_seal):
    version = ConventionFactory(status=ConventionStatus.SIGNED).signed_version
    data = portal_pdf(version)
    issued_long_ago(data, version)
    timestamped_at = verify_pdf(data).timestamped_at

    section = result_section(upload(client, data))

    issued = words(re.search(r'id="verification-issued-at".*?</dd>', section, re.S).group(0))
    assert shown(timestamped_at) in issued and "Horodatage de test" in issued
    assert "2025" not in issued  # the record's server time is not what the page gives
    seal = words(re.search(r'id="verification-seal-time".*?</span>', section, re.S).group(0))
    assert shown(timestamped_at) in seal and "Horodatage de test" in seal


def test_without_a_timestamp_the_page_says_the_time_is_the_portals_own(client, settings):
    settings.PDF_TIMESTAMP_URL = ""
    version = ConventionFactory(status=ConventionStatus.SIGNED).signed_version
    data = portal_pdf(version)
    issued_long_ago(data, version)

    result = verify_pdf(data)
    assert result.timestamped_at is None and result.signature.timestamp_authority == ""
    assert result.issued_at == LONG_AGO

    section = result_section(upload(client, data))
    issued = words(re.search(r'id="verification-issued-at".*?</dd>', section, re.S).group(0))
    assert shown(LONG_AGO) in issued
    seal = words(re.search(r'id="verification-seal-time".*?</span>', section, re.S).group(0))
    assert shown(result.signature.signed_at) in seal
