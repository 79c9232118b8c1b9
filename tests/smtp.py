"""An SMTP server that drops the connection on demand, for the tests of every e-mail the portal sends."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend


class FlakySMTPBackend(BaseEmailBackend):
    """Fails like a dropped SMTP connection ``failures_left`` times, then delivers to ``mail.outbox``."""

    failures_left = 0

    def send_messages(self, messages):
        if FlakySMTPBackend.failures_left:
            FlakySMTPBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySMTPBackend"
    yield FlakySMTPBackend
    FlakySMTPBackend.failures_left = 0
