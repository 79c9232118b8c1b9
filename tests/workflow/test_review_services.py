"""The review services: comments anchored to a part of the convention, replies, resolution and reopening."""

import datetime

import pytest
from django.utils import translation

from conventions.choices import CommentAnchor, ConventionStatus, LifecycleAction
from conventions.models import Domain, ReviewComment
from ctg_portal.errors import NotAllowed, PortalError
from partners.choices import MembershipRole
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory
from workflow.services import lifecycle
from workflow.services.review import (
    MAX_BODY_LENGTH,
    ReviewRefused,
    review_comment_create,
    review_comment_reopen,
    review_comment_reply,
    review_comment_resolve,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    """A convention in review: an article, a finding, a fiche action; its staff, its CAF officer, a reader."""
    convention = ConventionFactory(period_start=datetime.date(2030, 1, 1), period_end=datetime.date(2033, 12, 31))
    caf = PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True, name="CAF du Causse"))
    convention.article = ArticleFactory(convention=convention, position=3, title="Objet")
    convention.finding = FindingFactory(
        diagnostic__convention=convention, domain=domain("petite-enfance"), title="Manque de places d'accueil"
    )
    orientation = StrategicOrientationFactory(plan__convention=convention, position=2)
    convention.action = ActionFactory(orientation=orientation, code="2.1", title="Ouvrir une micro-crèche")
    convention.staff = MembershipFactory(organisation=convention.epci).user
    convention.officer = MembershipFactory(organisation=caf.organisation).user
    convention.reader = MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user
    force_status(convention, ConventionStatus.IN_REVIEW)
    return convention


def comment_on(convention, anchor=CommentAnchor.GENERAL, target_id=None, body="Préciser le calendrier."):
    return review_comment_create(
        convention=convention, by=convention.officer, body=body, anchor=anchor, target_id=target_id
    )


# --- Comments ----------------------------------------------------------------------------------------------


def test_a_caf_officer_comments_on_the_convention_as_a_whole(convention):
    comment = comment_on(convention, body="  Relire l'ensemble.  ")
    assert (comment.convention, comment.author, comment.parent) == (convention, convention.officer, None)
    assert (comment.anchor, comment.body, comment.is_open) == (CommentAnchor.GENERAL, "Relire l'ensemble.", True)
    assert comment.anchor_label == "La convention dans son ensemble"


@pytest.mark.parametrize(
    ("anchor", "field", "label"),
    [
        (CommentAnchor.ARTICLE, "article", "Article 3 — Objet"),
        (CommentAnchor.FINDING, "finding", "Constat (Petite enfance) — Manque de places d'accueil"),
        (CommentAnchor.ACTION, "action", "Fiche action 2.1 — Ouvrir une micro-crèche"),
    ],
)
def test_a_comment_is_anchored_to_its_part_with_a_label(convention, anchor, field, label):
    target = getattr(convention, field)
    comment = comment_on(convention, anchor, target.pk)
    assert getattr(comment, field) == target
    assert comment.anchor_label == label


def test_the_label_is_kept_in_the_portal_s_language_whatever_the_author_reads(convention):
    with translation.override("en"):
        comment = comment_on(convention, CommentAnchor.FINDING, convention.finding.pk)
    assert comment.anchor_label.startswith("Constat (")


def test_a_long_label_is_cut_to_fit(convention):
    long_domain = Domain.objects.create(code="domaine-long", name="D" * 100, position=99)
    finding = FindingFactory(diagnostic=convention.finding.diagnostic, domain=long_domain, title="T" * 255)
    comment = comment_on(convention, CommentAnchor.FINDING, finding.pk)
    assert len(comment.anchor_label) == 300
    assert comment.anchor_label.endswith("…")


@pytest.mark.parametrize("anchor", [CommentAnchor.ARTICLE, CommentAnchor.FINDING, CommentAnchor.ACTION])
def test_a_part_of_another_convention_is_refused(convention, anchor):
    other = ConventionFactory()
    targets = {
        CommentAnchor.ARTICLE: lambda: ArticleFactory(convention=other),
        CommentAnchor.FINDING: lambda: FindingFactory(diagnostic__convention=other),
        CommentAnchor.ACTION: lambda: ActionFactory(orientation__plan__convention=other),
    }
    with pytest.raises(ReviewRefused, match="n’appartient pas|does not belong"):
        comment_on(convention, anchor, targets[anchor]().pk)
    assert not ReviewComment.objects.exists()


@pytest.mark.parametrize(
    ("anchor", "target_id"),
    [
        (CommentAnchor.ARTICLE, None),
        (CommentAnchor.FINDING, "abc"),
        (CommentAnchor.ACTION, 999999),
        (CommentAnchor.GENERAL, 1),
        ("paragraph", None),
    ],
)
def test_a_missing_or_wrong_anchor_is_refused(convention, anchor, target_id):
    with pytest.raises(ReviewRefused):
        comment_on(convention, anchor, target_id)
    assert not ReviewComment.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * (MAX_BODY_LENGTH + 1)])
def test_an_empty_or_too_long_body_is_refused(convention, body):
    with pytest.raises(ReviewRefused):
        comment_on(convention, body=body)
    assert not ReviewComment.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(convention):
    assert len(comment_on(convention, body="x" * MAX_BODY_LENGTH).body) == MAX_BODY_LENGTH


@pytest.mark.parametrize("who", ["staff", "reader"])
def test_only_the_caf_s_officers_write_comments(convention, who):
    with pytest.raises(NotAllowed):
        review_comment_create(convention=convention, by=getattr(convention, who), body="Avis", anchor="general")
    assert not ReviewComment.objects.exists()


def test_an_officer_of_another_caf_cannot_comment(convention):
    stranger = MembershipFactory(organisation=OrganisationFactory(caf=True)).user
    with pytest.raises(NotAllowed):
        review_comment_create(convention=convention, by=stranger, body="Avis", anchor="general")


def test_staff_who_is_also_a_caf_officer_cannot_comment_its_own_convention(convention):
    caf = convention.parties.get().organisation
    MembershipFactory(user=convention.staff, organisation=caf)
    with pytest.raises(NotAllowed):
        review_comment_create(convention=convention, by=convention.staff, body="Avis", anchor="general")


@pytest.mark.parametrize(
    "status",
    [ConventionStatus.DRAFT, ConventionStatus.CHANGES_REQUESTED, ConventionStatus.APPROVED, ConventionStatus.SIGNED],
)
def test_comments_are_written_only_in_review(convention, status):
    force_status(convention, status)
    with pytest.raises(PortalError) as refused:
        comment_on(convention)
    assert str(ConventionStatus(status).label) in str(refused.value)
    assert not ReviewComment.objects.exists()


def test_a_comment_cannot_slip_in_after_the_approval(convention):
    stale = type(convention).objects.get(pk=convention.pk)  # a tab opened while in review
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    with pytest.raises(PortalError):
        review_comment_create(convention=stale, by=convention.officer, body="Trop tard", anchor="general")
    assert not ReviewComment.objects.exists()


# --- Replies -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "officer"])
@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.CHANGES_REQUESTED])
def test_staff_and_officers_reply_while_the_review_goes_on(convention, who, status):
    comment = comment_on(convention)
    force_status(convention, status)
    reply = review_comment_reply(comment=comment, by=getattr(convention, who), body="  C'est corrigé.  ")
    assert (reply.parent, reply.convention, reply.body) == (comment, convention, "C'est corrigé.")
    assert (reply.anchor, reply.is_open) == (CommentAnchor.GENERAL, False)


def test_a_reply_to_a_reply_joins_the_thread(convention):
    comment = comment_on(convention)
    first = review_comment_reply(comment=comment, by=convention.staff, body="Corrigé.")
    second = review_comment_reply(comment=first, by=convention.officer, body="Merci.")
    assert second.parent == comment
    assert list(comment.replies.order_by("pk")) == [first, second]


def test_a_reader_cannot_reply(convention):
    comment = comment_on(convention)
    with pytest.raises(NotAllowed):
        review_comment_reply(comment=comment, by=convention.reader, body="Mon avis")
    assert comment.replies.count() == 0


@pytest.mark.parametrize("status", [ConventionStatus.APPROVED, ConventionStatus.IN_SIGNATURE, ConventionStatus.SIGNED])
def test_no_reply_once_the_review_is_over(convention, status):
    comment = comment_on(convention)
    force_status(convention, status)
    with pytest.raises(ReviewRefused, match=str(ConventionStatus(status).label)):
        review_comment_reply(comment=comment, by=convention.staff, body="Trop tard")
    assert comment.replies.count() == 0


def test_an_empty_reply_is_refused(convention):
    comment = comment_on(convention)
    with pytest.raises(ReviewRefused):
        review_comment_reply(comment=comment, by=convention.staff, body="  ")


# --- Resolving and reopening -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_staff_and_officers_resolve_a_thread(convention, who):
    comment = comment_on(convention)
    review_comment_resolve(comment=comment, by=getattr(convention, who))
    comment.refresh_from_db()
    assert comment.resolved_by == getattr(convention, who)
    assert comment.resolved_at is not None
    assert comment.is_open is False


def test_resolving_twice_is_refused(convention):
    comment = comment_on(convention)
    review_comment_resolve(comment=comment, by=convention.staff)
    with pytest.raises(ReviewRefused):
        review_comment_resolve(comment=comment, by=convention.officer)
    comment.refresh_from_db()
    assert comment.resolved_by == convention.staff


def test_a_reply_is_not_resolved_on_its_own(convention):
    comment = comment_on(convention)
    reply = review_comment_reply(comment=comment, by=convention.staff, body="Corrigé.")
    with pytest.raises(ReviewRefused):
        review_comment_resolve(comment=reply, by=convention.staff)
    comment.refresh_from_db()
    assert comment.resolved_at is None


def test_a_reader_cannot_resolve(convention):
    comment = comment_on(convention)
    with pytest.raises(NotAllowed):
        review_comment_resolve(comment=comment, by=convention.reader)
    comment.refresh_from_db()
    assert comment.resolved_at is None


def test_resolving_every_comment_lets_the_officer_approve(convention):
    comment = comment_on(convention)
    with pytest.raises(PortalError):
        lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    review_comment_resolve(comment=comment, by=convention.staff)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    assert convention.status == ConventionStatus.APPROVED


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.CHANGES_REQUESTED])
def test_a_resolved_thread_is_reopened_during_the_review(convention, status):
    comment = comment_on(convention)
    review_comment_resolve(comment=comment, by=convention.staff)
    force_status(convention, status)
    review_comment_reopen(comment=comment, by=convention.officer)
    comment.refresh_from_db()
    assert (comment.resolved_at, comment.resolved_by, comment.is_open) == (None, None, True)


def test_reopening_an_open_thread_is_refused(convention):
    comment = comment_on(convention)
    with pytest.raises(ReviewRefused):
        review_comment_reopen(comment=comment, by=convention.officer)


def test_staff_back_in_drafting_answer_and_resolve_the_comments_they_fix(convention):
    comment = comment_on(convention)
    force_status(convention, ConventionStatus.DRAFT)
    review_comment_reply(comment=comment, by=convention.staff, body="Corrigé dans le diagnostic.")
    review_comment_resolve(comment=comment, by=convention.staff)
    comment.refresh_from_db()
    assert comment.replies.get().body == "Corrigé dans le diagnostic."
    assert comment.resolved_by == convention.staff


@pytest.mark.parametrize("status", [ConventionStatus.APPROVED, ConventionStatus.SIGNED])
def test_reopening_is_refused_once_the_review_is_over(convention, status):
    comment = comment_on(convention)
    review_comment_resolve(comment=comment, by=convention.staff)
    force_status(convention, status)
    with pytest.raises(ReviewRefused):
        review_comment_reopen(comment=comment, by=convention.officer)
    comment.refresh_from_db()
    assert comment.resolved_at is not None
