"""The review page: every part of the convention with its comment threads, and the forms of the review.

Whoever may see the convention may read its review. The forms (comment on a part, reply, resolve,
reopen) are shown by the abilities and checked again by ``services.review``. With htmx, each form
answers with the part it changed (and the counts, out of band); without JavaScript it posts the
whole page and comes back to the part with a message. A refusal is a message, never a 500.
"""

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from conventions import render_cache
from conventions.models import Convention, Party, ReviewComment
from ctg_portal.errors import PortalError
from workflow import selectors
from workflow.forms.review import ReplyForm, ReviewCommentForm
from workflow.services import review as services

# ?filtre=ouverts shows the open threads only; anything else, every thread.
FILTER_PARAMETER = "filtre"
ONLY_OPEN = "ouverts"


def _only_open(data) -> bool:
    return data.get(FILTER_PARAMETER) == ONLY_OPEN


def _convention(request, convention_pk: int) -> Convention:
    """The convention (404 for whoever may not see it), its parties ready for the lifecycle bar."""
    return _with_parties(selectors.convention_for_user(user=request.user, pk=convention_pk))


def _with_parties(convention: Convention) -> Convention:
    parties = Party.objects.select_related("organisation").order_by("signing_order", "organisation__name")
    prefetch_related_objects([convention], Prefetch("parties", queryset=parties))
    return convention


def _page_url(convention: Convention, *, only_open: bool, key: str = "") -> str:
    url = reverse("workflow:review", args=[convention.pk])
    if only_open:
        url += f"?{FILTER_PARAMETER}={ONLY_OPEN}"
    return url + (f"#part-{key}" if key else "")


@require_GET
def review(request, convention_pk: int):
    convention = selectors.convention_for_user(user=request.user, pk=convention_pk)
    abilities = convention.get_abilities(request.user)
    only_open = _only_open(request.GET)

    def body() -> str:
        context = {
            "convention": _with_parties(convention),
            "abilities": abilities,
            "timeline": selectors.timeline(convention=convention),
            "page": selectors.review_page(convention=convention, only_open=only_open),
            "only_open": only_open,
            "origin": "review",
        }
        return render_to_string("workflow/review/_review_body.html", render_cache.fragment_context(context))

    # The same for every reader with the same abilities and filter: from the render cache
    # (conventions/render_cache.py), rendered without the request; the forms' CSRF token is put in here.
    vary = [*sorted(name for name, allowed in abilities.items() if allowed), f"only_open={only_open}"]
    body_html = render_cache.cached_html(convention, "workflow:review:body", vary=vary, render=body, request=request)
    return render(request, "workflow/review/review.html", {"convention": convention, "body_html": body_html})


def _answer(request, convention: Convention, *, key: str, message: str = "", error: str = "", **forms):
    """After a form of the review: the part again for htmx, else back to the page with a message."""
    only_open = _only_open(request.POST)
    if request.htmx:
        page = selectors.review_page(convention=convention, only_open=only_open)
        part = page.parts.get(key)
        if part is None:  # a part that no longer exists: the whole page again, with the message
            messages.error(request, error or _("This part of the convention no longer exists."))
            return HttpResponseClientRefresh()
        return render(
            request,
            "workflow/review/_part_response.html",
            {
                "convention": convention,
                "abilities": convention.get_abilities(request.user),
                "page": page,
                "part": part,
                "only_open": only_open,
                "done": message,
                "error": error,
                **forms,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect(_page_url(convention, only_open=only_open, key=key))


def _form_error(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _part_key(anchor: str, target_id) -> str:
    return "general" if anchor == "general" else f"{anchor}-{target_id}"


@require_POST
def comment_create(request, convention_pk: int):
    convention = _convention(request, convention_pk)
    form = ReviewCommentForm(request.POST)
    key = _part_key(request.POST.get("anchor", ""), request.POST.get("target_id", ""))
    if not form.is_valid():
        return _answer(request, convention, key=key, error=_form_error(form), comment_form=form)
    try:
        comment = services.review_comment_create(
            convention=convention,
            by=request.user,
            body=form.cleaned_data["body"],
            anchor=form.cleaned_data["anchor"],
            target_id=form.cleaned_data["target_id"],
        )
    except PortalError as error:
        return _answer(request, convention, key=key, error=str(error), comment_form=form)
    return _answer(
        request,
        convention,
        key=selectors.review_part_key(comment),
        message=_("Comment added on “%(part)s”.") % {"part": comment.anchor_label},
    )


def _comment(convention: Convention, comment_pk: int) -> ReviewComment:
    return get_object_or_404(ReviewComment.objects.select_related("parent"), convention=convention, pk=comment_pk)


@require_POST
def comment_reply(request, convention_pk: int, comment_pk: int):
    convention = _convention(request, convention_pk)
    comment = _comment(convention, comment_pk)
    key = selectors.review_part_key(comment)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _answer(request, convention, key=key, error=_form_error(form), reply_form=form, reply_to=comment.pk)
    try:
        services.review_comment_reply(comment=comment, by=request.user, body=form.cleaned_data["body"])
    except PortalError as error:
        return _answer(request, convention, key=key, error=str(error), reply_form=form, reply_to=comment.pk)
    return _answer(request, convention, key=key, message=_("Reply added."))


@require_POST
def comment_resolve(request, convention_pk: int, comment_pk: int):
    convention = _convention(request, convention_pk)
    comment = _comment(convention, comment_pk)
    key = selectors.review_part_key(comment)
    try:
        services.review_comment_resolve(comment=comment, by=request.user)
    except PortalError as error:
        return _answer(request, convention, key=key, error=str(error))
    return _answer(request, convention, key=key, message=_("Comment resolved."))


@require_POST
def comment_reopen(request, convention_pk: int, comment_pk: int):
    convention = _convention(request, convention_pk)
    comment = _comment(convention, comment_pk)
    key = selectors.review_part_key(comment)
    try:
        services.review_comment_reopen(comment=comment, by=request.user)
    except PortalError as error:
        return _answer(request, convention, key=key, error=str(error))
    return _answer(request, convention, key=key, message=_("Comment reopened."))
