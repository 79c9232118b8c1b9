"""Starting a CTG in the browser: a draft convention ready to be written, in one transaction.

Who may start one is the policy's (``conventions.permissions.may_start_convention``): a CAF's staff
for the intercommunalities of its département, an intercommunality's staff for their own, the
portal's administrators anywhere. :func:`convention_start` checks it, then creates together:

- the draft ``Convention``, with a readable unique reference (``CTG-46-200023737-2024``), its period,
  domains (the national ones chosen, and the territory's own, created if new) and the contract it
  succeeds;
- its articles, from the model text (``conventions.model_text``), placeholders left live;
- its diagnostic and its action plan (empty), its steering and technical committees;
- the intercommunality and the CAF as its first signatories (signing order 1, representatives to be
  designated in the parties' editor);
- when nobody of the intercommunality uses the portal yet and the starter is not its staff, the
  invitation of its référent (``partners.services.accounts.invite_person``; the e-mail leaves after
  the commit).

Everything is in the history, with the starter as its author; a refusal leaves nothing behind.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from action_plans.models import ActionPlan
from conventions import render_cache
from conventions.choices import ConventionStatus, GovernanceBodyKind, PartyRole
from conventions.model_text import default_articles
from conventions.models import Article, Convention, Domain, GovernanceBody, Party
from conventions.permissions import may_start_convention, start_refusal
from conventions.services.editor import domains_for, territory_domain, validate_period, validate_predecessor
from ctg_portal.errors import NotAllowed, PortalError
from diagnostics.models import Diagnostic
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation
from partners.services.accounts import invite_person

DEFAULT_PREDECESSOR = "Contrat enfance jeunesse (CEJ)"
# Statuses of a convention that no longer runs: a new one may cover the same years.
_ENDED_STATUSES = (ConventionStatus.EXPIRED, ConventionStatus.TERMINATED)

COMMITTEES = (
    (
        GovernanceBodyKind.STEERING_COMMITTEE,
        "Comité de pilotage",
        "Valider le diagnostic partagé, les orientations et le plan d'actions ; suivre leur mise en œuvre, "
        "examiner le bilan annuel et conduire l'évaluation de la convention.",
    ),
    (
        GovernanceBodyKind.TECHNICAL_COMMITTEE,
        "Comité technique",
        "Préparer les travaux du comité de pilotage et suivre la mise en œuvre opérationnelle des fiches actions.",
    ),
)


class StartRefused(PortalError):
    """The convention cannot be started as asked; the message says why."""


def _track(instance, by):
    instance._history_user = by
    return instance


def epci_has_staff(epci: Organisation) -> bool:
    """Whether somebody of the intercommunality already works on the portal (an active staff member)."""
    return Membership.objects.filter(organisation=epci, role=MembershipRole.STAFF, user__is_active=True).exists()


def needs_referent_invitation(epci: Organisation) -> bool:
    """Whether starting a convention for ``epci`` must invite its référent: nobody of the
    intercommunality is on the portal yet (so neither is the starter)."""
    return not epci_has_staff(epci)


def reference_for(*, epci: Organisation, period_start: datetime.date) -> str:
    """« CTG-46-200023737-2024 »: département, SIREN of the intercommunality, first year; « -2 », « -3 »…
    when a convention of that territory starting that year exists already (an avenant keeps its
    convention's reference, so that is rare)."""
    parts = ["CTG"]
    if epci.department_code:
        parts.append(epci.department_code)
    parts += [epci.siren or str(epci.pk), str(period_start.year)]
    base = "-".join(parts)
    taken = set(Convention.objects.filter(reference__startswith=base).values_list("reference", flat=True))
    reference, number = base, 1
    while reference in taken:
        number += 1
        reference = f"{base}-{number}"
    return reference


def default_title(epci: Organisation, period_start: datetime.date, period_end: datetime.date) -> str:
    """« Convention territoriale globale 2026-2029 — Grand Cahors » (the editor changes it at will)."""
    return f"Convention territoriale globale {period_start.year}-{period_end.year} — {epci.display_name}"


def _check(*, by, epci: Organisation, caf: Organisation) -> None:
    if not may_start_convention(by, epci):
        raise NotAllowed(start_refusal(by, epci))
    if caf is None or caf.kind != OrganisationKind.CAF:
        raise StartRefused(_("Choose the CAF that signs the convention."))


def _overlapping(epci: Organisation, start: datetime.date, end: datetime.date):
    return (
        Convention.objects.filter(epci=epci, period_start__lte=end, period_end__gte=start)
        .exclude(status__in=_ENDED_STATUSES)
        .order_by("period_start")
        .first()
    )


@transaction.atomic
def convention_start(
    *,
    by,
    epci: Organisation,
    caf: Organisation,
    period_start: datetime.date,
    period_end: datetime.date,
    domains: Iterable[Domain] = (),
    new_domain_names: Iterable[str] = (),
    title: str = "",
    replaces_contract: str = "",
    predecessor_reference: str = "",
    predecessor_start: datetime.date | None = None,
    predecessor_end: datetime.date | None = None,
    referent_email: str = "",
    referent_name: str = "",
    today: datetime.date | None = None,
) -> Convention:
    """Starts a draft convention between ``epci`` and ``caf`` (see the module's description)."""
    _check(by=by, epci=epci, caf=caf)
    # One start at a time per territory: a double click or two people at once find the first one.
    epci = Organisation.objects.select_for_update().get(pk=epci.pk)
    validate_period(period_start, period_end, today=today)  # raises ConventionRefused, a PortalError
    validate_predecessor(predecessor_start, predecessor_end)
    existing = _overlapping(epci, period_start, period_end)
    if existing is not None:
        raise StartRefused(
            _(
                "%(epci)s already has a convention over these years: %(reference)s (%(status)s). Open it from your "
                "conventions, or choose a period after its end."
            )
            % {
                "epci": epci.display_name,
                "reference": existing.reference,
                "status": existing.get_current_status_display(),
            }
        )
    invite = needs_referent_invitation(epci)
    if invite and not (referent_email or "").strip():
        raise StartRefused(
            _(
                "Nobody of %(epci)s uses the portal yet: give the e-mail address of its référent, who will be "
                "invited to write the convention."
            )
            % {"epci": epci.display_name}
        )

    convention = Convention(
        reference=reference_for(epci=epci, period_start=period_start),
        title=" ".join((title or "").split()) or default_title(epci, period_start, period_end),
        epci=epci,
        period_start=period_start,
        period_end=period_end,
        replaces_contract=" ".join((replaces_contract or "").split()),
        predecessor_reference=" ".join((predecessor_reference or "").split()),
        predecessor_start=predecessor_start,
        predecessor_end=predecessor_end,
        created_by=by,
    )
    try:
        convention.full_clean()
    except ValidationError as error:
        raise StartRefused(" ".join(error.messages)) from None
    _track(convention, by).save()

    chosen = {domain.pk for domain in domains}
    allowed = set(domains_for(convention).filter(pk__in=chosen).values_list("pk", flat=True))
    if chosen - allowed:
        raise StartRefused(_("Choose domains of the national list or of this territory."))
    allowed |= {territory_domain(territory=epci, name=name, by=by).pk for name in new_domain_names if name.strip()}
    _track(convention, by).domains.set(allowed)

    bulk_create_with_history(
        [
            Article(convention=convention, position=position, title=model.title, body=model.body)
            for position, model in enumerate(default_articles(), start=1)
        ],
        Article,
        default_user=by,
    )
    render_cache.touch(convention.pk)  # bulk_create sends no post_save
    _track(Diagnostic(convention=convention, started_on=today or timezone.localdate()), by).save()
    _track(ActionPlan(convention=convention), by).save()
    for kind, name, mission in COMMITTEES:
        _track(GovernanceBody(convention=convention, kind=kind, name=name, mission=mission), by).save()
    for organisation in (epci, caf):
        _track(
            Party(convention=convention, organisation=organisation, role=PartyRole.SIGNATORY, signing_order=1), by
        ).save()

    convention.referent_invitation = None  # the invitation sent, for the page to say so
    if invite:
        convention.referent_invitation = invite_person(
            email=referent_email,
            full_name=referent_name,
            organisation=epci,
            role=MembershipRole.STAFF,
            is_referent=True,
            by=by,
        )
    return convention
