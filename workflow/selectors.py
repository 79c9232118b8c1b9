"""Reads of the convention's workflow shared by its pages: the home list, the convention page (the
hub: lifecycle, versions, signatures, the diagnostic's and the plan's summaries), the version pages,
the review page and the lifecycle buttons."""

from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy

from conventions.choices import CommentAnchor, LifecycleAction
from conventions.models import (
    Convention,
    ConventionVersion,
    Party,
    ReviewComment,
    Signature,
)
from conventions.permissions import may_open_signature_scan, may_preview_signature, may_sign_for
from conventions.selectors import convention_for_user, signing_states, version_for_user, version_is_signed
from conventions.transitions import TRANSITIONS
from workflow import selectors_detail, selectors_review, selectors_timeline


def convention_detail(*, user, pk: int) -> Convention:
    """A convention with everything its page's sections show: parties, articles, governance, plan."""
    return with_page_sections(convention_for_user(user=user, pk=pk))


def with_page_sections(convention: Convention) -> Convention:
    """Prefetches what the convention page's sections show onto ``convention``, fetched by
    ``convention_for_user``: its articles and parties (the header, the readiness panel and the lifecycle
    bar read them too), and, as rows read by ``workflow.selectors_detail``, its committees
    (``governance_summary``) and its plan's orientations with their first fiches (``plan_orientations``)."""
    parties = Party.objects.select_related("organisation", "representative").order_by(
        "signing_order", "organisation__name", "representative__full_name"
    )
    # Prefetch onto the already-fetched object: one query per relation, whatever their sizes.
    prefetch_related_objects([convention], "articles", Prefetch("parties", queryset=parties))
    convention.governance_summary = selectors_detail.governance(convention_id=convention.pk)
    # The convention page shows the first fiches of each orientation and links to the plan page for the
    # rest: a 600-fiche plan would otherwise be rendered whole (limited in SQL: any size, same queries).
    convention.plan_orientations = selectors_detail.plan_summary(convention_id=convention.pk)
    return convention


def diagnostic_summary(*, convention: Convention) -> dict:
    """Findings' titles per domain and kind, and counts of indicator values and consultations."""
    return selectors_detail.diagnostic_summary(convention=convention)


# --- Lifecycle, versions and signatures ------------------------------------------------------------


def timeline(*, convention: Convention) -> list[selectors_timeline.TimelineStep]:
    """Every status change of the convention, oldest first, with who made it and on which version."""
    return selectors_timeline.timeline(convention_id=convention.pk)


def page_versions(*, convention: Convention, steps: list) -> list[selectors_timeline.VersionSummary]:
    """The convention's versions for its page, newest first (``steps``: its ``timeline``)."""
    return selectors_timeline.versions(convention=convention, steps=steps)


def domain_names(*, convention: Convention) -> list[str]:
    """The names of the convention's domains, for its header."""
    return selectors_detail.domain_names(convention_id=convention.pk)


def open_review_comment_count(*, convention: Convention) -> int:
    return selectors_detail.open_review_comment_count(convention_id=convention.pk)


def workflow_context(*, user, convention: Convention, abilities: dict[str, bool]) -> dict:
    """What the convention page shows of the lifecycle: timeline, versions, signatures (each knowing
    whether ``user`` may sign for its party, read the text before their turn, open its scan), open comments."""
    steps = timeline(convention=convention)
    return {
        "timeline": steps,
        "versions": page_versions(convention=convention, steps=steps),
        "open_comment_count": open_review_comment_count(convention=convention),
        **signing_context(user=user, convention=convention, abilities=abilities),
    }


def signing_context(*, user, convention: Convention, abilities: dict[str, bool]) -> dict:
    """The version being signed (or else the one in force) and each signatory's state, each knowing
    whether ``user`` may sign for its party, read the text before their turn, open its scan."""
    version = convention.approved_version or convention.signed_version
    if version is not None:
        version.is_current = version.pk == convention.signed_version_id
        version.is_being_signed = version.pk == convention.approved_version_id
    states = signing_states(convention=convention, version=version) if version else []
    for state in states:
        state.user_may_sign = may_sign_for(user=user, abilities=abilities, state=state)
        state.user_may_preview = may_preview_signature(user=user, convention=convention, state=state)
        if state.signature is not None:
            state.signature.can_open_scan = may_open_signature_scan(
                user=user, abilities=abilities, signature=state.signature
            )
    return {"signing_version": version, "signing_states": states}


# --- Version pages ---------------------------------------------------------------------------------


def version_detail(*, user, convention_pk: int, number: int) -> ConventionVersion:
    """One version for its page: its convention, every signature (void ones too), whether every
    signatory signed it, and the newest version of the convention when a newer one exists."""
    version = version_for_user(user=user, convention_pk=convention_pk, number=number)
    convention = version.convention
    version.all_signatures = list(
        Signature.objects.filter(version=version)
        .select_related("party", "recorded_by", "signer")
        .order_by("party__signing_order", "signed_at", "pk")
    )
    version.is_signed = version_is_signed(version)
    version.is_current = version.pk == convention.signed_version_id
    version.is_being_signed = version.pk == convention.approved_version_id
    version.newest = (
        ConventionVersion.objects.filter(convention=convention, number__gt=version.number)
        .defer("content_json")
        .order_by("-number")
        .first()
    )
    if version.newest is not None:
        newest = version.newest
        newest.is_current = newest.pk == convention.signed_version_id
        newest.is_being_signed = newest.pk == convention.approved_version_id
        newest.is_signed = newest.is_current  # the newest signed version is always the one in force
    return version


# --- Review page (the CAF's review: every part of the convention with its comment threads) --------


class ReviewPart:
    """One part a review comment can be about, with its threads (top-level comments, replies
    prefetched); ``threads`` holds only the open ones when the page is filtered."""

    def __init__(self, *, key: str, anchor: str, target_id, label: str, target=None, threads=(), open_count=0):
        self.key = key
        self.anchor = anchor
        self.target_id = target_id
        self.label = label
        self.target = target
        self.threads = list(threads)
        self.open_count = open_count


class ReviewGroup:
    """Parts shown together: the findings of one domain, the fiches of one orientation."""

    def __init__(self, *, title: str, parts: list, orientation_id: int | None = None):
        self.title = title
        self.parts = parts
        self.orientation_id = orientation_id


class ReviewPage:
    """What the review page shows; ``parts`` holds every part by key, whatever the filter, so that
    an htmx answer can re-render the one that changed. ``removed`` lists the threads whose part was
    deleted since (each as a part of its own, named by the label the thread kept)."""

    def __init__(
        self, *, general, articles, finding_groups, action_groups, removed, parts, open_count, resolved_count, only_open
    ):
        self.general: ReviewPart = general
        self.articles: list[ReviewPart] = articles
        self.finding_groups: list[ReviewGroup] = finding_groups
        self.action_groups: list[ReviewGroup] = action_groups
        self.removed: list[ReviewPart] = removed
        self.parts: dict[str, ReviewPart] = parts
        self.open_count: int = open_count
        self.resolved_count: int = resolved_count
        self.only_open: bool = only_open


def review_part_key(comment) -> str:
    """The key of the part a thread (or a reply, through its thread) belongs to on the review page."""
    thread = comment.parent if comment.parent_id else comment
    target_id = {
        CommentAnchor.ARTICLE: thread.article_id,
        CommentAnchor.FINDING: thread.finding_id,
        CommentAnchor.ACTION: thread.action_id,
    }.get(thread.anchor)
    if thread.anchor == CommentAnchor.GENERAL:
        return "general"
    if target_id is None:
        return f"removed-{thread.pk}"
    return f"{thread.anchor}-{target_id}"


def review_page(*, convention: Convention, only_open: bool = False) -> ReviewPage:
    """Every part of the convention with its review threads, in a fixed number of queries whatever
    the number of comments, articles, findings or fiches; open and resolved threads counted."""
    replies = ReviewComment.objects.select_related("author").order_by("created_at", "pk")
    threads = list(
        ReviewComment.objects.filter(convention=convention, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )
    by_key: dict[str, list] = {}
    for thread in threads:
        by_key.setdefault(review_part_key(thread), []).append(thread)

    parts: dict[str, ReviewPart] = {}

    def part(key: str, anchor: str, target_id, label: str, target=None) -> ReviewPart:
        found = by_key.get(key, [])
        open_threads = [thread for thread in found if thread.resolved_at is None]
        parts[key] = ReviewPart(
            key=key,
            anchor=anchor,
            target_id=target_id,
            label=label,
            target=target,
            threads=open_threads if only_open else found,
            open_count=len(open_threads),
        )
        return parts[key]

    def shown(found: list) -> list:
        return [p for p in found if p.open_count] if only_open else found

    general = part("general", CommentAnchor.GENERAL, None, str(CommentAnchor.GENERAL.label))
    articles = [
        part(f"article-{a.pk}", CommentAnchor.ARTICLE, a.pk, str(a), a)
        for a in selectors_review.articles(convention_id=convention.pk)
    ]
    finding_groups: dict = {}
    for f in selectors_review.findings(convention_id=convention.pk):
        finding_groups.setdefault(f.domain_name, []).append(
            part(f"finding-{f.pk}", CommentAnchor.FINDING, f.pk, f.title, f)
        )
    action_groups: list[ReviewGroup] = []
    for a in selectors_review.actions(convention_id=convention.pk):
        if not action_groups or action_groups[-1].orientation_id != a.orientation_id:
            action_groups.append(ReviewGroup(title=a.orientation_label, parts=[], orientation_id=a.orientation_id))
        action_groups[-1].parts.append(part(f"action-{a.pk}", CommentAnchor.ACTION, a.pk, f"{a.code} {a.title}", a))
    removed = [
        part(key, found[0].anchor, None, found[0].anchor_label)
        for key, found in by_key.items()
        if key.startswith("removed-")
    ]
    open_count = sum(1 for thread in threads if thread.resolved_at is None)
    return ReviewPage(
        general=general,
        articles=shown(articles),
        finding_groups=[
            ReviewGroup(title=title, parts=shown(found)) for title, found in finding_groups.items() if shown(found)
        ],
        action_groups=[ReviewGroup(title=g.title, parts=shown(g.parts)) for g in action_groups if shown(g.parts)],
        removed=shown(removed),
        parts=parts,
        open_count=open_count,
        resolved_count=len(threads) - open_count,
        only_open=only_open,
    )


# --- Lifecycle buttons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecycleButton:
    action: str
    label: str
    icon: str  # a Bootstrap Icons name
    style: str  # the Bootstrap button class


# The lifecycle buttons in the order the convention page shows them; their words title the
# confirmation page too.
BUTTONS = (
    LifecycleButton(LifecycleAction.SUBMIT, gettext_lazy("Submit for review"), "send", "btn-primary"),
    LifecycleButton(LifecycleAction.APPROVE, gettext_lazy("Approve the text"), "check-lg", "btn-success"),
    LifecycleButton(
        LifecycleAction.REQUEST_CHANGES, gettext_lazy("Request changes"), "arrow-counterclockwise", "btn-warning"
    ),
    LifecycleButton(LifecycleAction.RESUME_DRAFTING, gettext_lazy("Resume drafting"), "pencil", "btn-primary"),
    LifecycleButton(LifecycleAction.OPEN_SIGNATURE, gettext_lazy("Open the signature"), "pen", "btn-primary"),
    LifecycleButton(
        LifecycleAction.OPEN_AMENDMENT, gettext_lazy("Open an avenant"), "file-earmark-plus", "btn-outline-primary"
    ),
    LifecycleButton(
        LifecycleAction.WITHDRAW, gettext_lazy("Withdraw from review"), "arrow-return-left", "btn-outline-secondary"
    ),
    LifecycleButton(
        LifecycleAction.TERMINATE, gettext_lazy("Terminate the convention"), "x-octagon", "btn-outline-danger"
    ),
)
BUTTON_LABELS = {button.action: button.label for button in BUTTONS}


def lifecycle_buttons(abilities: dict[str, bool]) -> list[LifecycleButton]:
    """The buttons ``abilities`` allow now (the ability each transition asks for)."""
    return [button for button in BUTTONS if abilities[TRANSITIONS[button.action].ability]]
