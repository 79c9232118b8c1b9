"""Reads of conventions shared by pages, exports and PDFs, scoped to the user, without N+1."""

from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404

from action_plans.models import Action, StrategicOrientation
from diagnostics.choices import FindingKind
from diagnostics.models import Finding

from .choices import PartyRole
from .models import Convention, GovernanceBody, GovernanceMember, Party


def conventions_for_home(*, user):
    """The conventions listed on the home page, with what the list shows."""
    return (
        Convention.objects.visible_to(user)
        .select_related("epci")
        .prefetch_related("domains")
        .annotate(
            signatory_count=Count("parties", filter=Q(parties__role=PartyRole.SIGNATORY), distinct=True),
        )
        .order_by("-period_start", "reference")
    )


def convention_for_user(*, user, pk: int) -> Convention:
    """One convention the user may see, or 404 — never 403, so its existence does not leak."""
    return get_object_or_404(
        Convention.objects.visible_to(user).select_related("epci", "parent", "action_plan", "diagnostic"), pk=pk
    )


def convention_detail(*, user, pk: int) -> Convention:
    """A convention with everything its page shows: domains, parties, governance, diagnostic, plan."""
    parties = Party.objects.select_related("organisation", "representative").order_by(
        "signing_order", "organisation__name", "representative__full_name"
    )
    members = GovernanceMember.objects.select_related("representative__organisation")
    bodies = GovernanceBody.objects.prefetch_related(Prefetch("members", queryset=members), "meetings")
    actions = Action.objects.select_related("domain", "pilot").prefetch_related("partners").order_by("position", "code")
    orientations = StrategicOrientation.objects.prefetch_related(Prefetch("actions", queryset=actions))
    convention = convention_for_user(user=user, pk=pk)
    # Prefetch onto the already-fetched object: one query per relation, whatever their sizes.
    prefetch_related_objects(
        [convention],
        "domains",
        "articles",
        Prefetch("parties", queryset=parties),
        Prefetch("governance_bodies", queryset=bodies),
    )
    plan = getattr(convention, "action_plan", None)
    convention.plan_orientations = list(orientations.filter(plan=plan)) if plan else []
    return convention


def diagnostic_summary(*, convention: Convention) -> dict:
    """Counts of findings per kind and domain, and of indicator values, for the convention page."""
    diagnostic = getattr(convention, "diagnostic", None)
    if diagnostic is None:
        return {"diagnostic": None, "findings_by_domain": [], "indicator_value_count": 0, "consultation_count": 0}
    findings = (
        Finding.objects.filter(diagnostic=diagnostic)
        .select_related("domain")
        .order_by("domain__position", "kind", "position")
    )
    by_domain: dict = {}
    for finding in findings:
        entry = by_domain.setdefault(finding.domain, {kind: [] for kind in FindingKind.values})
        entry[finding.kind].append(finding)
    return {
        "diagnostic": diagnostic,
        "findings_by_domain": [
            {"domain": domain, "strengths": kinds["strength"], "weaknesses": kinds["weakness"], "needs": kinds["need"]}
            for domain, kinds in by_domain.items()
        ],
        "indicator_value_count": diagnostic.indicator_values.count(),
        "consultation_count": diagnostic.consultations.count(),
    }
