"""What a write to a fiche action asks for, and which part of it the convention's signature freezes.

Inputs arrive as plain dataclasses (:class:`ActionInput`), so a form, an import or a test call the
same service. A fiche input describes the whole fiche; its funding lines and indicators are
*changes*: a row with an ``id`` updates (or, with ``delete``, deletes) that line, a row without one
adds a line, and a line no row mentions is left as it is.

The services compare an input with what is stored (:func:`stored_value`, :func:`input_value`) to
write only what differs; the history of a fiche (``action_plans.history``) compares the same way to
tell what changed. Both read the field lists below: what is *contractual* (frozen once the
convention leaves the draft) and what is *monitoring* (the follow-up, open whatever the status).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from action_plans.choices import ActionStatus, FundingStatus
from conventions.models import Domain
from diagnostics.choices import Priority
from diagnostics.models import Finding
from partners.models import Organisation

# What the convention's signature freezes, and what stays open to the follow-up.
CONTRACTUAL_ACTION_FIELDS = (
    "code",
    "title",
    "domain",
    "objectives",
    "target_public",
    "pilot",
    "start_date",
    "end_date",
    "priority",
)
CONTRACTUAL_ACTION_RELATIONS = ("partners", "answered_needs")
MONITORING_ACTION_FIELDS = ("status", "progress")
CONTRACTUAL_FUNDING_FIELDS = ("funder", "scheme", "year", "amount")
MONITORING_FUNDING_FIELDS = ("status",)
CONTRACTUAL_INDICATOR_FIELDS = ("label", "unit", "baseline", "target")
MONITORING_INDICATOR_FIELDS = ("current_value",)

FUNDING_FIELDS = CONTRACTUAL_FUNDING_FIELDS + MONITORING_FUNDING_FIELDS
INDICATOR_FIELDS = CONTRACTUAL_INDICATOR_FIELDS + MONITORING_INDICATOR_FIELDS

# Directions an orientation or a fiche moves among its siblings.
UP, DOWN = "up", "down"


@dataclass
class FundingLineInput:
    funder: Organisation | None
    year: int | None
    amount: Decimal | None
    scheme: str = ""
    status: str = FundingStatus.PLANNED
    id: int | None = None
    delete: bool = False
    row: int | None = None


@dataclass
class IndicatorInput:
    label: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    current_value: Decimal | None = None
    id: int | None = None
    delete: bool = False
    row: int | None = None


@dataclass
class ActionInput:
    code: str
    title: str
    domain: Domain | None
    pilot: Organisation | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    objectives: str = ""
    target_public: str = ""
    status: str = ActionStatus.UPCOMING
    progress: int = 0
    priority: int = Priority.MEDIUM
    partners: list[Organisation] = field(default_factory=list)
    answered_needs: list[Finding] = field(default_factory=list)
    funding_lines: list[FundingLineInput] = field(default_factory=list)
    indicators: list[IndicatorInput] = field(default_factory=list)


# --- Comparing what is asked with what is stored ----------------------------------------------------


def normal_text(text: str) -> str:
    """Text as stored: browsers send line breaks as CR LF, forms strip the ends."""
    return text.replace("\r\n", "\n").strip()


def stored_value(instance, name):
    """A field's value as compared with an input: a related object's id, text normalised."""
    model_field = instance._meta.get_field(name)
    value = getattr(instance, model_field.attname) if model_field.many_to_one else getattr(instance, name)
    return normal_text(value) if isinstance(value, str) else value


def input_value(value):
    """An input's value as compared with a stored one (see :func:`stored_value`)."""
    if isinstance(value, Organisation | Domain):
        return value.pk
    if isinstance(value, str):
        return normal_text(value)
    return value
