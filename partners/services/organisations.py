"""Organisations recorded from the browser: an EPCI and its communes imported on the spot from the
official files, a CAF or a Département made from a département in one click, any other partner (a State
service, an association, a centre social…) through the organisation form, and identity changes.

Every write checks the policy (``partners.permissions``: refused → ``NotAllowed``), validates
(bad input → ``ValidationError`` by field, in French, for the form; an operation that cannot be done →
``OrganisationRefused``), writes in one transaction and signs the history with the acting user.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ctg_portal.errors import NotAllowed, PortalError
from partners import denominations, grammar
from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.permissions import (
    ORGANISATION_REFUSALS,
    may_create_organisation,
    may_edit_organisation,
    may_import_territories,
)
from partners.services.territories import territories_import_from_directory
from partners.territory_data import (
    DEPARTMENT_CODE_REGEX,
    DepartementRecord,
    TerritoryDataError,
    load_departements,
    load_territories,
)

# EPCIs and communes come from the official files (``import_epci``), with their SIREN and INSEE code.
TERRITORY_KINDS = (OrganisationKind.EPCI, OrganisationKind.COMMUNE)
CREATABLE_KINDS = tuple(kind for kind in OrganisationKind if kind not in TERRITORY_KINDS)
# What people may change on an organisation; the name and SIREN of an EPCI or a commune follow the
# official files (the next import would put them back).
IDENTITY_FIELDS = ("legal_name", "short_name", "definite_article", "address", "postal_code", "city")
FREE_FIELDS = ("kind", "name", "siren", "department_code")

HISTORY_REASON_CREATED = "Created from the portal"
HISTORY_REASON_UPDATED = "Identity changed from the portal"


class OrganisationRefused(PortalError):
    """The organisation cannot be recorded as asked; the message says why."""


# --- Territories ----------------------------------------------------------------------------------


def import_epci(*, siren: str, by) -> Organisation:
    """Creates or refreshes the EPCI with this SIREN and its communes from ``TERRITORY_DATA_DIR``
    (idempotent: a second call changes nothing); returns the EPCI."""
    if not may_import_territories(by):
        raise NotAllowed(ORGANISATION_REFUSALS["import"])
    siren = _compact(siren)
    try:
        known = siren in load_territories().by_siren
    except TerritoryDataError as error:
        raise OrganisationRefused(str(error)) from error
    if not known:
        raise OrganisationRefused(
            _("No intercommunality has the SIREN “%(siren)s” in the official list.") % {"siren": siren}
        )
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                territories_import_from_directory(data_dir=settings.TERRITORY_DATA_DIR, only_epci_sirens=[siren], by=by)
            break
        except TerritoryDataError as error:  # a conflict with an organisation already recorded
            raise OrganisationRefused(str(error)) from error
        except IntegrityError:
            # Someone imported the same communes at the same moment: the second try finds their rows.
            if attempt == 2:
                raise
    return Organisation.objects.get(kind=OrganisationKind.EPCI, siren=siren)


# --- CAF and Département from a département ----------------------------------------------------


def ensure_caf(*, department_code: str, by) -> Organisation:
    """The département's CAF: the one already recorded (same département, or same name), else a new
    « CAF du Lot » / « Caisse d'allocations familiales du Lot »."""
    record = _departement_for_creation(department_code, by)
    if record.code in denominations.DEPARTMENTS_WITHOUT_ONE_CAF:
        raise OrganisationRefused(
            _("%(departement)s have two CAFs (Béarn et Soule, Pays basque): create yours with the organisation form.")
            % {"departement": record.name}
        )
    names = denominations.caf_names(record.code, record.name, record.name_liaison)
    return _ensure(OrganisationKind.CAF, record, names, by)


def ensure_departement(*, department_code: str, by) -> Organisation:
    """The Département as a local authority: the one recorded, else a new « Département du Lot »."""
    record = _departement_for_creation(department_code, by)
    names = denominations.departement_names(record.name, record.name_liaison)
    return _ensure(OrganisationKind.DEPARTEMENT, record, names, by)


def _departement_for_creation(department_code: str, by) -> DepartementRecord:
    if not may_create_organisation(by):
        raise NotAllowed(ORGANISATION_REFUSALS["create"])
    try:
        departements = load_departements()
    except TerritoryDataError as error:
        raise OrganisationRefused(str(error)) from error
    record = next((record for record in departements if record.code == department_code), None)
    if record is None:
        raise OrganisationRefused(_("Choose a département of the list."))
    return record


@transaction.atomic
def _ensure(kind: str, record: DepartementRecord, names: denominations.DepartmentNames, by) -> Organisation:
    existing = (
        Organisation.objects.select_for_update()
        .filter(kind=kind)
        .filter(Q(department_code=record.code) | Q(name__iexact=names.name) | Q(legal_name__iexact=names.legal_name))
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    organisation = Organisation(kind=kind, name=names.name, legal_name=names.legal_name, department_code=record.code)
    _save(organisation, by=by, reason=HISTORY_REASON_CREATED)
    return organisation


# --- Any organisation ---------------------------------------------------------------------------


def create_organisation(
    *,
    kind: str,
    name: str,
    legal_name: str = "",
    short_name: str = "",
    definite_article: str = "",
    siren: str = "",
    address: str = "",
    postal_code: str = "",
    city: str = "",
    department_code: str = "",
    by,
) -> Organisation:
    """Records a partner that is neither an EPCI nor a commune (those come from ``import_epci``).

    Refuses, by field: an invalid SIREN (checksum), postal code or département code, a SIREN already
    recorded or the same name for the same kind in the same département (naming the organisation
    that exists).
    """
    if not may_create_organisation(by):
        raise NotAllowed(ORGANISATION_REFUSALS["create"])
    organisation = Organisation()
    _assign(
        organisation,
        {
            "kind": kind,
            "name": name,
            "legal_name": legal_name,
            "short_name": short_name,
            "definite_article": definite_article,
            "siren": siren,
            "address": address,
            "postal_code": postal_code,
            "city": city,
            "department_code": department_code,
        },
    )
    with transaction.atomic():
        _check(organisation)
        _save(organisation, by=by, reason=HISTORY_REASON_CREATED)
    return organisation


def update_organisation(organisation: Organisation, *, by, **fields) -> Organisation:
    """Changes the organisation's identity: ``legal_name``, ``short_name``, ``definite_article``,
    ``address``, ``postal_code``, ``city``; and, except for an EPCI or a commune (their name and SIREN
    follow the official files), ``kind``, ``name``, ``siren``, ``department_code``. Same checks as
    ``create_organisation``."""
    unknown = set(fields) - set(IDENTITY_FIELDS) - set(FREE_FIELDS)
    if unknown:
        raise TypeError(f"update_organisation() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not may_edit_organisation(by, organisation):
            raise NotAllowed(ORGANISATION_REFUSALS["edit"])
        locked = set(fields) & set(FREE_FIELDS)
        if organisation.kind in TERRITORY_KINDS and any(
            _clean_value(field, fields[field]) != getattr(organisation, field) for field in locked
        ):
            raise OrganisationRefused(
                _(
                    "The name, SIREN and département of an intercommunality or a commune come from the "
                    "official files: only its legal name, short name and address can be changed here."
                )
            )
        previous_kind = organisation.kind
        _assign(organisation, fields)
        _check(organisation, previous_kind=previous_kind)
        _save(organisation, by=by, reason=HISTORY_REASON_UPDATED)
    return organisation


# --- Checks and writing -------------------------------------------------------------------------


def _compact(value) -> str:
    """A SIREN or a postal code as people type it (« 200 023 737 »), without its spaces."""
    return "".join(str(value or "").split())


def _clean_value(field: str, value) -> str:
    if field in ("siren", "postal_code"):
        return _compact(value)
    if field == "department_code":
        return str(value or "").strip().upper()
    return grammar.normalise_spaces(str(value or ""))


def _assign(organisation: Organisation, fields: dict) -> None:
    for field, value in fields.items():
        setattr(organisation, field, _clean_value(field, value))


def _check(organisation: Organisation, *, previous_kind: str | None = None) -> None:
    """Raises ``ValidationError`` by field, with the same rules as the database and friendlier words."""
    errors: dict[str, list[str]] = {}
    if organisation.kind in TERRITORY_KINDS and organisation.kind != previous_kind:
        errors.setdefault("kind", []).append(
            _("Intercommunalities and communes come from the official list: add them from the Territories page.")
        )
    elif organisation.kind not in CREATABLE_KINDS and organisation.kind != previous_kind:
        errors.setdefault("kind", []).append(_("Choose the kind of organisation."))
    if not organisation.name:
        errors.setdefault("name", []).append(_("Give the organisation's name."))
    if organisation.department_code and not DEPARTMENT_CODE_REGEX.match(organisation.department_code):
        errors.setdefault("department_code", []).append(
            _("“%(value)s” is not a département code (such as 46, 2A or 974).")
            % {"value": organisation.department_code}
        )
    if organisation.siren:
        holder = Organisation.objects.filter(siren=organisation.siren).exclude(pk=organisation.pk).first()
        if holder is not None:
            errors.setdefault("siren", []).append(_already_recorded(holder))
    elif organisation.name and organisation.kind in CREATABLE_KINDS:
        namesake = (
            Organisation.objects.filter(
                kind=organisation.kind, name__iexact=organisation.name, department_code=organisation.department_code
            )
            .exclude(pk=organisation.pk)
            .first()
        )
        if namesake is not None:
            errors.setdefault("name", []).append(_already_recorded(namesake))
    try:
        # The model's validators (SIREN checksum, postal code, lengths, choices) and constraints.
        # Fields already reported are left out, and constraints are checked only when nothing is reported
        # yet: the unique SIREN would repeat the message above.
        organisation.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=not errors)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _already_recorded(organisation: Organisation) -> str:
    return _("This organisation is already on the portal: “%(name)s” (%(kind)s%(siren)s).") % {
        "name": organisation.legal_denomination,
        "kind": organisation.get_kind_display(),
        "siren": f", SIREN {organisation.siren}" if organisation.siren else "",
    }


def _save(organisation: Organisation, *, by, reason: str) -> None:
    organisation._history_user = by
    organisation._change_reason = reason
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        # A SIREN recorded at the same moment by someone else (the unique constraint said so).
        holder = Organisation.objects.filter(siren=organisation.siren).exclude(pk=organisation.pk).first()
        if organisation.siren and holder is not None:
            raise ValidationError({"siren": [_already_recorded(holder)]}) from error
        raise
