"""Validators and database conditions for French public identifiers.

The same rule is written twice on purpose: once as a Python validator (forms and ``full_clean``
give a French message) and once as a database condition (nothing, not even a bulk import or a raw
``update()``, can store an invalid identifier).
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

SIREN_REGEX = r"^[0-9]{9}$"
# Corsica's départements are 2A and 2B; overseas communes have a five-digit code starting with 97.
INSEE_COMMUNE_REGEX = r"^([0-9]{2}|2A|2B)[0-9]{3}$"


def validate_siren(value: str) -> None:
    """A SIREN is nine digits whose Luhn checksum is valid."""
    if not value:
        return
    if len(value) != 9 or not value.isdigit() or not luhn.is_valid(value):
        raise ValidationError(
            _("“%(value)s” is not a valid SIREN number (nine digits with a valid checksum)."),
            code="invalid_siren",
            params={"value": value},
        )


def validate_postal_code(value: str) -> None:
    if value and not re.fullmatch(r"[0-9]{5}", value):
        raise ValidationError(
            _("“%(value)s” is not a valid postal code (five digits)."),
            code="invalid_postal_code",
            params={"value": value},
        )


def validate_insee_commune_code(value: str) -> None:
    if value and not re.match(INSEE_COMMUNE_REGEX, value):
        raise ValidationError(
            _("“%(value)s” is not a valid INSEE commune code (five characters, such as 46042 or 2A004)."),
            code="invalid_insee_code",
            params={"value": value},
        )


def _digit(field: str, position: int):
    return Cast(Substr(F(field), position, 1), IntegerField())


def _doubled_digit(field: str, position: int):
    # Luhn doubles every second digit from the right and subtracts 9 from results above 9:
    # 2d - 9 when d >= 5, that is 2d - 9 * (d / 5) in integer arithmetic.
    digit = _digit(field, position)
    return digit * 2 - (digit / 5) * 9


def siren_is_valid_condition(field: str) -> Q:
    """A condition, usable in a ``CheckConstraint``, true for an empty or valid SIREN."""
    checksum = (
        _digit(field, 1)
        + _doubled_digit(field, 2)
        + _digit(field, 3)
        + _doubled_digit(field, 4)
        + _digit(field, 5)
        + _doubled_digit(field, 6)
        + _digit(field, 7)
        + _doubled_digit(field, 8)
        + _digit(field, 9)
    )
    # CASE guarantees the digits are only cast once the format is known to be nine digits.
    luhn_remainder = Case(
        When(**{f"{field}__regex": SIREN_REGEX}, then=checksum % 10),
        default=Value(1),
        output_field=IntegerField(),
    )
    return Q(**{field: ""}) | Q(Q(**{f"{field}__regex": SIREN_REGEX}) & Q(Exact(luhn_remainder, 0)))
