"""Rules of a fiche action's values, written once and shared by the model, the forms and the services.

- **Progress** is a whole percentage from 0 to 100: the database condition (``PROGRESS_RANGE``, the
  models' ``CheckConstraint``) guarantees it, :func:`validate_progress` says it in French wherever a
  value is typed (the fiche form, the quick edit, a progress update, the services, ``full_clean``).
- **Dates and years** stay within the convention's period: :func:`date_problems` and
  :func:`year_problem`, read by the forms for friendly messages and by the services as the guarantee.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

from conventions.models import Convention

PROGRESS_MIN, PROGRESS_MAX = 0, 100
PROGRESS_RANGE = Q(progress__gte=PROGRESS_MIN) & Q(progress__lte=PROGRESS_MAX)
PROGRESS_RANGE_MESSAGE = gettext_lazy("Progress must be between 0 and 100 %.")


def validate_progress(value: int | None) -> None:
    """Refuses a progress outside 0–100 % (or missing), with the database constraint's message.

    Not Django's min/max validators: their messages are %-formatted, and this one holds a “%”.
    """
    if value is None or not PROGRESS_MIN <= value <= PROGRESS_MAX:
        raise ValidationError(PROGRESS_RANGE_MESSAGE, code="range")


def period_years(*, convention: Convention) -> list[int]:
    """The calendar years the convention's period covers, first and last included."""
    return list(range(convention.period_start.year, convention.period_end.year + 1))


def date_problems(*, convention: Convention, start: datetime.date | None, end: datetime.date | None) -> dict[str, str]:
    """Messages for dates outside the convention's period or in the wrong order (shared with forms)."""
    problems = {}
    period = {
        "start": formats.date_format(convention.period_start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(convention.period_end, "SHORT_DATE_FORMAT"),
    }
    outside = gettext("Choose a date within the convention's period (%(start)s – %(end)s).") % period
    for name, value in (("start_date", start), ("end_date", end)):
        if value and not convention.period_start <= value <= convention.period_end:
            problems[name] = outside
    if start and end and end < start and "end_date" not in problems:
        problems["end_date"] = gettext("The end date cannot come before the start date.")
    return problems


def year_problem(*, convention: Convention, year: int | None) -> str | None:
    """The message for a funding year outside the convention's period, or ``None``."""
    years = period_years(convention=convention)
    if year is not None and year not in years:
        return gettext("Choose a year within the convention's period (%(first)s – %(last)s).") % {
            "first": years[0],
            "last": years[-1],
        }
    return None
