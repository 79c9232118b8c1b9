"""The lifecycle buttons of a convention: one POST per action, applied by the lifecycle services.

Each button of ``_lifecycle_bar.html`` opens a Bootstrap modal holding the action's form (the status
the page showed, as a stale-tab guard, and a comment, or a reason when the action needs one).
Without JavaScript the same button is a link to a small confirmation page holding the same form.
The services decide; a refusal comes back as a message on the convention page, never a 500.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conventions.choices import LifecycleAction
from conventions.permissions import transition_refusal
from conventions.transitions import REASON_REQUIRED, TRANSITIONS
from ctg_portal.errors import PortalError
from workflow import selectors
from workflow.forms.lifecycle import TransitionForm
from workflow.selectors import BUTTON_LABELS
from workflow.services import lifecycle

# Where a form may send the user back to, besides the convention page.
RETURN_PAGES = {"review": "workflow:review"}


def _action(action: str) -> str:
    """The action named in the URL, if it is one a person triggers from the page (others are the
    portal's own: the last signature, a decline, the calendar)."""
    if action not in TRANSITIONS or TRANSITIONS[action].ability is None:
        raise Http404
    return action


def _origin(request) -> str:
    """The page the user came from, among those a form may send back to; "" for the convention page."""
    origin = request.POST.get("origin") or request.GET.get("origin") or ""
    return origin if origin in RETURN_PAGES else ""


def _return_url(convention, origin: str) -> str:
    return reverse(RETURN_PAGES.get(origin, "workflow:detail"), args=[convention.pk])


def success_message(action: str, convention) -> str:
    """What happened and what comes next, in the user's words."""
    if action == LifecycleAction.SUBMIT:
        return _(
            "The convention has been sent to the CAF for review. Its officers can now comment on it, "
            "request changes or approve it; until then its content can no longer be edited."
        )
    if action == LifecycleAction.WITHDRAW:
        return _("The convention has been withdrawn from review: it is a draft again, which you can edit and submit.")
    if action == LifecycleAction.REQUEST_CHANGES:
        return _(
            "Changes requested: the convention goes back to the intercommunality's staff, who will resume "
            "drafting, answer the open comments and submit it again."
        )
    if action == LifecycleAction.RESUME_DRAFTING:
        return _(
            "Drafting resumed: the convention can be edited again. "
            "Submit it for review once the comments are dealt with."
        )
    if action == LifecycleAction.APPROVE:
        version = convention.approved_version
        return _(
            "Convention approved: its text is frozen as version %(number)s (SHA-256 %(hash)s…). "
            "Next step: open the signature."
        ) % {"number": version.number, "hash": version.short_hash}
    if action == LifecycleAction.OPEN_SIGNATURE:
        return _(
            "Signature opened on version %(number)s: the first signatories can sign now; "
            "the following ones will be told by e-mail when their turn comes."
        ) % {"number": convention.approved_version.number}
    if action == LifecycleAction.TERMINATE:
        return _("The convention is terminated. Its signed text stays readable among its versions.")
    return _(
        "Avenant no. %(number)s opened: the content can be edited again, then reviewed and signed like the "
        "original. The signed version %(version)s stays the text in force until the avenant is signed."
    ) % {"number": convention.amendment_number, "version": convention.signed_version.number}


def _confirm_page(request, convention, action: str, form: TransitionForm):
    origin = _origin(request)
    return render(
        request,
        "workflow/review/transition_confirm.html",
        {
            "convention": convention,
            "action": action,
            "action_label": BUTTON_LABELS[action],
            "form": form,
            "origin": origin,
            "cancel_url": _return_url(convention, origin),
        },
    )


@require_GET
def transition_confirm(request, convention_pk: int, action: str):
    """The confirmation page of an action, for browsers without JavaScript (or a link opened in a tab)."""
    action = _action(action)
    convention = selectors.convention_for_user(user=request.user, pk=convention_pk)
    origin = _origin(request)
    if not convention.get_abilities(request.user)[TRANSITIONS[action].ability]:
        messages.error(request, transition_refusal(request.user, convention, TRANSITIONS[action]))
        return redirect(_return_url(convention, origin))
    form = TransitionForm(
        initial={"expected_status": convention.current_status},
        reason_required=action in REASON_REQUIRED,
    )
    return _confirm_page(request, convention, action, form)


@require_POST
def transition(request, convention_pk: int, action: str):
    action = _action(action)
    convention = selectors.convention_for_user(user=request.user, pk=convention_pk)
    origin = _origin(request)
    form = TransitionForm(request.POST, reason_required=action in REASON_REQUIRED)
    if not form.is_valid():
        if convention.get_abilities(request.user)[TRANSITIONS[action].ability]:
            # The reason was missing: the form again, with what was typed and why it was refused.
            return _confirm_page(request, convention, action, form)
        messages.error(request, transition_refusal(request.user, convention, TRANSITIONS[action]))
        return redirect(_return_url(convention, origin))
    try:
        lifecycle.convention_transition(
            convention=convention,
            action=action,
            by=request.user,
            comment=form.cleaned_data["comment"],
            expected_status=form.cleaned_data["expected_status"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except PortalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success_message(action, convention))
    return redirect(_return_url(convention, origin))
