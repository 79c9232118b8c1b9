"""Is the convention ready for the CAF's review? What is missing, for the convention page and the
submission (``workflow.services.lifecycle`` refuses to submit while anything blocking is missing).

The minimum a CAF can review, each point with where it is fixed:

- a period that has not already ended (a convention is signed for the years to come);
- at least one article (the text the CAF approves);
- the signatories: the intercommunality and a CAF among them, each with the person who signs for it
  (the CAF cannot check who commits whom otherwise);
- at least one fiche action in the action plan (the plan is what the convention finances);
- the summary of the shared diagnostic. Findings and indicators are not required: a territory may bring
  the conclusions of a study made elsewhere, written in the summary. But with no summary at all the CAF
  reviews a plan without the needs it answers, and annex 1 of the convention is empty;
- for an avenant, a text that differs from the signed one (``documents.snapshot.same_text``: the
  amendment number and the rows' ids aside): an avenant that changes nothing cannot be signed.

Text left « [à compléter : …] » in an article is listed too, but does not block: the CAF may review a
text still being completed, and will see what remains.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from action_plans.models import Action
from conventions.choices import PartyRole
from conventions.formats import long_date
from conventions.markup import TO_COMPLETE
from conventions.models import Convention, ConventionVersion
from documents.snapshot import as_stored, build_content, same_text
from partners.choices import OrganisationKind


@dataclass(frozen=True)
class Missing:
    """One thing the convention lacks before review, and the page where it is fixed (a URL name taking
    the convention's pk, "" when there is none)."""

    code: str
    message: str
    fix_url_name: str = ""
    fix_label: str = ""
    blocking: bool = True


def _period(convention: Convention, today: datetime.date) -> list[Missing]:
    if convention.period_end < today:
        return [
            Missing(
                "period_ended",
                _("The period ended on %(date)s: set the years the convention will cover.")
                % {"date": long_date(convention.period_end)},
                "conventions:settings",
                _("Change the period"),
            )
        ]
    return []


def _prefetched(convention: Convention, relation: str) -> list | None:
    """The rows of ``relation`` when the page has prefetched them already (no query then), else None."""
    cache = getattr(convention, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None


def _articles(convention: Convention) -> list[Missing]:
    articles = _prefetched(convention, "articles")
    if articles is None:
        bodies = list(convention.articles.order_by("position").values_list("position", "title", "body"))
    else:  # in the order of their positions, like the query's (``Article.Meta.ordering``)
        bodies = [(article.position, article.title, article.body) for article in articles]
    if not bodies:
        return [
            Missing(
                "no_article",
                _("The convention has no article: add its text (the model text offers every article)."),
                "conventions:articles",
                _("Add articles"),
            )
        ]
    unfinished = [f"{position} — {title}" for position, title, body in bodies if TO_COMPLETE in body]
    if unfinished:
        return [
            Missing(
                "text_to_complete",
                _("Text « [à compléter : …] » remains in: %(articles)s.") % {"articles": "; ".join(unfinished)},
                "conventions:articles",
                _("Complete the articles"),
                blocking=False,
            )
        ]
    return []


def _parties(convention: Convention) -> list[Missing]:
    parties = _prefetched(convention, "parties")  # the page's order: signing order, then organisation's name
    if parties is None:
        signatories = list(
            convention.parties.filter(role=PartyRole.SIGNATORY)
            .select_related("organisation")
            .order_by("signing_order", "organisation__name", "pk")
        )
    else:
        signatories = [party for party in parties if party.role == PartyRole.SIGNATORY]
    fix = ("conventions:parties", _("Edit the signatories"))
    if not signatories:
        return [Missing("no_signatory", _("Add the signatories: the intercommunality and a CAF at least."), *fix)]
    missing = []
    if not any(party.organisation_id == convention.epci_id for party in signatories):
        missing.append(
            Missing(
                "epci_not_signatory",
                _("The intercommunality (%(name)s) must be among the signatories.")
                % {"name": convention.epci.display_name},
                *fix,
            )
        )
    if not any(party.organisation.kind == OrganisationKind.CAF for party in signatories):
        missing.append(Missing("caf_not_signatory", _("A CAF must be among the signatories."), *fix))
    for party in signatories:
        if party.representative_id is None:
            missing.append(
                Missing(
                    f"no_representative_{party.pk}",
                    _("Say who signs for %(organisation)s.") % {"organisation": party.organisation.display_name},
                    *fix,
                )
            )
    return missing


def _plan(convention: Convention) -> list[Missing]:
    # The convention page has counted the fiches of each orientation already (``workflow.selectors``).
    orientations = getattr(convention, "plan_orientations", None)
    if orientations is not None:
        if any(orientation.action_count for orientation in orientations):
            return []
    elif Action.objects.filter(orientation__plan__convention=convention).exists():
        return []
    return [
        Missing(
            "no_fiche",
            _("The action plan has no fiche action: add at least one."),
            "action_plans:plan",
            _("Open the action plan"),
        )
    ]


def _diagnostic(convention: Convention) -> list[Missing]:
    diagnostic = getattr(convention, "diagnostic", None)  # the page has read it already: no query then
    summary = diagnostic.summary if diagnostic is not None else None
    if summary is None:
        return [
            Missing(
                "no_diagnostic",
                _("The shared diagnostic has not been started: open it and write its introduction."),
                "diagnostics:detail",
                _("Open the diagnostic"),
            )
        ]
    if not summary.strip():
        return [
            Missing(
                "no_diagnostic_summary",
                _("Write the introduction of the shared diagnostic: what the CAF reads first, and annex 1 opens with."),
                "diagnostics:settings",
                _("Write the introduction"),
            )
        ]
    return []


def _amendment(convention: Convention) -> list[Missing]:
    """An avenant must change the signed text (a fixed number of queries, only while an avenant is drafted)."""
    if not convention.amendment_number or convention.signed_version_id is None:
        return []
    signed = ConventionVersion.objects.get(pk=convention.signed_version_id)
    draft = as_stored(build_content(convention))
    if not same_text(draft, signed.content):
        return []
    return [
        Missing(
            "unchanged_amendment",
            _(
                "This avenant does not change the signed text (version %(number)s): make the changes it is for "
                "before submitting it."
            )
            % {"number": signed.number},
            "conventions:articles",
            _("Edit the text"),
        )
    ]


@dataclass(frozen=True)
class Readiness:
    """What the convention lacks for the CAF's review (``items``: blocking ones first)."""

    items: list[Missing]

    @property
    def blocking(self) -> list[Missing]:
        return [item for item in self.items if item.blocking]

    @property
    def is_ready(self) -> bool:
        return not self.blocking

    def refusal(self) -> str:
        """Why the convention cannot be submitted, every blocking point in one message."""
        return _("The convention is not ready for review yet: %(missing)s") % {
            "missing": " ".join(str(item.message) for item in self.blocking)
        }


def review_readiness(convention: Convention, *, on: datetime.date | None = None) -> Readiness:
    """Everything the convention lacks for the CAF's review ``on`` a day (today; the day of the
    submission when it is recorded after the fact), in a fixed number of queries (a dozen more while an
    avenant is drafted, to compare its text with the signed one)."""
    missing = [
        *_period(convention, on or timezone.localdate()),
        *_articles(convention),
        *_parties(convention),
        *_diagnostic(convention),
        *_plan(convention),
        *_amendment(convention),
    ]
    return Readiness(items=sorted(missing, key=lambda item: not item.blocking))
