"""Dates written the way a French deed writes them, for pages (the ``long_date`` filter) and PDFs alike."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """A date as a French deed writes it: « 1er janvier 2020 », « 21 septembre 2020 »."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    text = date_format(value, "j F Y")
    if value.day == 1 and get_language().startswith("fr"):
        text = "1er" + text[1:]
    return text
