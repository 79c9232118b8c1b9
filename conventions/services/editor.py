"""Writes of a convention's parameters: title, period, domains, succession, perimeter, signing.

Like its articles (``conventions.services.articles``), a convention's parameters are contractual:
only the intercommunality's staff change them, while it is a draft or sent back for changes, on the
convention row locked and checked again in the service's transaction. Every change is recorded in
the history with its author (the domains too: ``Convention.history`` follows them).

A territory may add domains of its own to the national list (``Domain.territory``); a domain that a
finding of the diagnostic or a fiche action of this convention uses cannot be taken off it.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from conventions.choices import DraftingPhase
from conventions.models import Convention, Domain
from conventions.services.articles import edit_refusal
from conventions.services.content import lock_editable_convention
from ctg_portal.errors import PortalError

# The parameters the editor changes, by name (``convention_update``'s ``fields``).
SETTINGS_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "replaces_contract",
    "predecessor_reference",
    "predecessor_start",
    "predecessor_end",
    "perimeter_note",
    "signing_place",
    "original_copies",
    "competent_court",
    "drafting_phase",
)
# Written on one line: extra spaces and line breaks typed in them are dropped.
_ONE_LINE_FIELDS = {"title", "replaces_contract", "predecessor_reference", "signing_place", "competent_court"}
DOMAIN_NAME_LENGTH = Domain._meta.get_field("name").max_length
DOMAIN_CODE_LENGTH = Domain._meta.get_field("code").max_length
MAX_ORIGINAL_COPIES = 50


class ConventionRefused(PortalError):
    """The parameters cannot be saved as asked; the message says why."""


def _track(instance, by):
    instance._history_user = by
    return instance


def validate_period(start, end, *, today: datetime.date | None = None) -> None:
    """The rule for a convention's period, shared by the editor and by starting a convention."""
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise ConventionRefused(_("Give the first and the last day of the period."))
    if end <= start:
        raise ConventionRefused(_("The end of the period must come after its start."))
    today = today or timezone.localdate()
    if end < today:
        raise ConventionRefused(
            _("This period ended on %(end)s: a convention is signed for a period to come or under way.")
            % {"end": end.strftime("%d/%m/%Y")}
        )


def validate_predecessor(start, end) -> None:
    if start and end and end <= start:
        raise ConventionRefused(_("The contract it replaces must end after it starts."))


def _domain_code(name: str, territory) -> str:
    """A code no other domain has: « sport-200023737 », « sport-200023737-2 »…"""
    suffix = f"-{territory.siren or territory.pk}"
    base = (slugify(name)[: DOMAIN_CODE_LENGTH - len(suffix) - 3].strip("-") or "domaine") + suffix
    code, number = base, 1
    while Domain.objects.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code


def territory_domain(*, territory, name: str, by) -> Domain:
    """The domain called ``name`` for ``territory``: the national one of that name, the territory's own,
    or a new domain of the territory. Call inside the caller's transaction."""
    name = " ".join((name or "").split())
    if not name:
        raise ConventionRefused(_("Give the new domain a name."))
    if len(name) > DOMAIN_NAME_LENGTH:
        raise ConventionRefused(
            _("A domain's name is limited to %(limit)s characters.") % {"limit": DOMAIN_NAME_LENGTH}
        )
    existing = (
        Domain.objects.filter(Q(territory__isnull=True) | Q(territory=territory), name__iexact=name)
        .order_by("territory_id")
        .first()
    )
    if existing is not None:
        return existing
    domain = Domain(
        name=name[:1].upper() + name[1:],
        territory=territory,
        code=_domain_code(name, territory),
        position=1000,  # after the national list
    )
    try:
        domain.full_clean()
    except ValidationError as error:
        raise ConventionRefused(" ".join(error.messages)) from None
    _track(domain, by).save()
    return domain


def domains_for(convention: Convention):
    """The domains a convention may cover: the national list and its territory's own."""
    return Domain.objects.filter(Q(territory__isnull=True) | Q(territory_id=convention.epci_id)).order_by(
        "territory_id", "position", "name"
    )


def _set_domains(convention: Convention, *, domains: Iterable, new_domain_names: Iterable[str], by) -> None:
    wanted = {getattr(domain, "pk", domain) for domain in domains}
    allowed = set(domains_for(convention).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ConventionRefused(_("Choose domains of the national list or of this territory."))
    for name in new_domain_names:
        if name.strip():
            wanted.add(territory_domain(territory=convention.epci, name=name, by=by).pk)
    current = set(convention.domains.values_list("pk", flat=True))
    removed = current - wanted
    if removed:
        used = (
            Domain.objects.filter(pk__in=removed)
            .filter(
                Q(findings__diagnostic__convention=convention) | Q(actions__orientation__plan__convention=convention)
            )
            .distinct()
            .order_by("position", "name")
        )
        names = [domain.name for domain in used]
        if names:
            raise ConventionRefused(
                _(
                    "These domains are used by findings of the diagnostic or by fiches actions of this convention, "
                    "so they stay: %(domains)s. Move or delete those first."
                )
                % {"domains": ", ".join(names)}
            )
    if wanted != current:
        _track(convention, by)
        convention.domains.set(wanted)


@transaction.atomic
def convention_update(
    *,
    convention: Convention,
    by,
    fields: Mapping,
    domains: Iterable | None = None,
    new_domain_names: Iterable[str] = (),
    today: datetime.date | None = None,
) -> Convention:
    """Changes the parameters named in ``fields`` (keys of ``SETTINGS_FIELDS``) and, when ``domains`` is
    given, the convention's domains (adding the territory's new ones named in ``new_domain_names``).

    A period that changes must not be over already; the rest follows the model's constraints.
    """
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ConventionRefused(_("Unknown parameters: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    convention = lock_editable_convention(convention, by=by, refusal=edit_refusal)
    values = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = " ".join(value.split()) if name in _ONE_LINE_FIELDS else value.replace("\r\n", "\n").strip()
        values[name] = value
    if "title" in values and not values["title"]:
        raise ConventionRefused(_("Give the convention a title."))
    if "drafting_phase" in values and values["drafting_phase"] not in DraftingPhase.values:
        raise ConventionRefused(_("Choose a drafting phase of the list."))
    copies = values.get("original_copies")
    if copies is not None and not 1 <= copies <= MAX_ORIGINAL_COPIES:
        raise ConventionRefused(
            _("Between 1 and %(limit)s original copies, or empty for one per signatory.")
            % {"limit": MAX_ORIGINAL_COPIES}
        )
    start = values.get("period_start", convention.period_start)
    end = values.get("period_end", convention.period_end)
    if (start, end) != (convention.period_start, convention.period_end):
        validate_period(start, end, today=today)
    validate_predecessor(
        values.get("predecessor_start", convention.predecessor_start),
        values.get("predecessor_end", convention.predecessor_end),
    )
    changed = [name for name, value in values.items() if getattr(convention, name) != value]
    for name in changed:
        setattr(convention, name, values[name])
    if changed:
        try:
            convention.full_clean(exclude=["reference", "epci", "status", "approved_version", "signed_version"])
        except ValidationError as error:
            raise ConventionRefused(" ".join(error.messages)) from None
        _track(convention, by).save(update_fields=[*changed, "updated_at"])
    if domains is not None:
        _set_domains(convention, domains=domains, new_domain_names=new_domain_names, by=by)
    return convention
