"""The CAF's review of a convention: comments anchored to a part of it, their replies and resolution.

Comments are written by the officers of the CAF that is party to the convention while it is in
review; the intercommunality's staff and the officers answer and resolve them while the review
discussion goes on (in review, changes requested). Who may do what comes from
``convention.get_abilities`` — the same answer the pages use to show their forms — checked here
again under the convention's row lock, so a comment cannot slip in while the convention is being
approved (approval refuses open comments) nor be reopened once it is approved.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from action_plans.models import Action
from conventions.choices import REVIEW_DISCUSSION_STATUSES, CommentAnchor, ConventionStatus
from conventions.models import Article, Convention, ReviewComment
from conventions.permissions import ROLE_REFUSALS, comment_refusal
from ctg_portal.errors import NotAllowed, PortalError
from diagnostics.models import Finding
from workflow.services.lifecycle import lock_convention

MAX_BODY_LENGTH = 5000
ANCHOR_LABEL_LENGTH = 300


class ReviewRefused(PortalError):
    """The comment, reply or resolution cannot be recorded; the message says why."""


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ReviewRefused(_("Write a comment."))
    if len(body) > MAX_BODY_LENGTH:
        raise ReviewRefused(
            _("A comment is limited to %(limit)s characters (this one has %(length)s): split it in two.")
            % {"limit": MAX_BODY_LENGTH, "length": len(body)}
        )
    return body


def _check_discussion_open(convention: Convention) -> None:
    if convention.status not in REVIEW_DISCUSSION_STATUSES:
        raise ReviewRefused(
            _("This convention is “%(status)s”: its review comments can no longer be answered, resolved or reopened.")
            % {"status": ConventionStatus(convention.status).label}
        )


def _target(convention: Convention, anchor: str, target_id) -> dict:
    """The foreign key to set for the anchored part, which must belong to ``convention``."""
    if anchor not in CommentAnchor.values:
        raise ReviewRefused(_("Choose the part of the convention the comment is about."))
    if anchor == CommentAnchor.GENERAL:
        if target_id not in (None, ""):
            raise ReviewRefused(_("A general remark is about the convention as a whole, not one of its parts."))
        return {}
    target_id = str(target_id or "")
    found = None
    if target_id.isdigit():
        if anchor == CommentAnchor.ARTICLE:
            found = Article.objects.filter(convention=convention, pk=target_id).first()
        elif anchor == CommentAnchor.FINDING:
            found = (
                Finding.objects.filter(diagnostic__convention=convention, pk=target_id).select_related("domain").first()
            )
        else:
            found = Action.objects.filter(orientation__plan__convention=convention, pk=target_id).first()
    if found is None:
        raise ReviewRefused(_("This part does not belong to this convention."))
    return {anchor: found}


def anchor_label(anchor: str, target: dict) -> str:
    """How a thread names its part, such as « Article 3 — Objet » (also kept if the part goes)."""
    if anchor == CommentAnchor.ARTICLE:
        article = target["article"]
        label = _("Article %(position)s — %(title)s") % {"position": article.position, "title": article.title}
    elif anchor == CommentAnchor.FINDING:
        finding = target["finding"]
        label = _("Finding (%(domain)s) — %(title)s") % {"domain": finding.domain.name, "title": finding.title}
    elif anchor == CommentAnchor.ACTION:
        action = target["action"]
        label = _("Fiche action %(code)s — %(title)s") % {"code": action.code, "title": action.title}
    else:
        label = str(CommentAnchor.GENERAL.label)
    return Truncator(label).chars(ANCHOR_LABEL_LENGTH)


def _refusal_to_comment(convention: Convention, by) -> PortalError:
    message = comment_refusal(by, convention)
    if convention.current_status != ConventionStatus.IN_REVIEW:
        return ReviewRefused(message)
    return NotAllowed(message)


def review_comment_create(
    *,
    convention: Convention,
    by,
    body: str,
    anchor: str,
    target_id=None,
    now: datetime.datetime | None = None,
) -> ReviewComment:
    """A CAF officer's comment on the convention as a whole or on one of its parts (a new thread)."""
    with transaction.atomic():
        locked = lock_convention(convention)
        if not locked.get_abilities(by)["comment"]:
            raise _refusal_to_comment(locked, by)
        body = _clean_body(body)
        target = _target(locked, anchor, target_id)
        # Stored in the portal's language, whatever language the author reads the portal in.
        with translation.override(settings.LANGUAGE_CODE):
            label = anchor_label(anchor, target)
        return ReviewComment.objects.create(
            convention=locked,
            anchor=anchor,
            anchor_label=label,
            author=by,
            body=body,
            created_at=now or timezone.now(),
            **target,
        )


def _lock_thread(comment: ReviewComment, by, ability: str) -> tuple[Convention, ReviewComment]:
    """The comment's convention under lock and the thread (top-level comment) re-read, checked."""
    locked = lock_convention(comment.convention)
    _check_discussion_open(locked)
    if not locked.get_abilities(by)[ability]:
        raise NotAllowed(ROLE_REFUSALS["discussion"])
    thread = ReviewComment.objects.select_for_update().get(pk=comment.parent_id or comment.pk)
    return locked, thread


def review_comment_reply(
    *, comment: ReviewComment, by, body: str, now: datetime.datetime | None = None
) -> ReviewComment:
    """An answer in the thread of ``comment`` (an answer to a reply joins the same thread)."""
    with transaction.atomic():
        locked, thread = _lock_thread(comment, by, "reply")
        body = _clean_body(body)
        return ReviewComment.objects.create(
            convention=locked,
            parent=thread,
            anchor=CommentAnchor.GENERAL,
            author=by,
            body=body,
            created_at=now or timezone.now(),
        )


def review_comment_resolve(*, comment: ReviewComment, by, now: datetime.datetime | None = None) -> ReviewComment:
    """Marks a thread as settled: it no longer holds back the approval."""
    with transaction.atomic():
        _locked, thread = _lock_thread(comment, by, "resolve_comments")
        if comment.parent_id is not None:
            raise ReviewRefused(_("A thread is resolved as a whole, from its first comment."))
        if thread.resolved_at is not None:
            raise ReviewRefused(_("This comment is already resolved."))
        thread.resolved_at = now or timezone.now()
        thread.resolved_by = by
        thread.save(update_fields=["resolved_at", "resolved_by"])
    comment.refresh_from_db()
    return thread


def review_comment_reopen(*, comment: ReviewComment, by) -> ReviewComment:
    """Opens a resolved thread again, while the review discussion goes on."""
    with transaction.atomic():
        _locked, thread = _lock_thread(comment, by, "resolve_comments")
        if comment.parent_id is not None:
            raise ReviewRefused(_("A thread is reopened as a whole, from its first comment."))
        if thread.resolved_at is None:
            raise ReviewRefused(_("This comment is already open."))
        thread.resolved_at = None
        thread.resolved_by = None
        thread.save(update_fields=["resolved_at", "resolved_by"])
    comment.refresh_from_db()
    return thread
