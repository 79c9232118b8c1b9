"""Account pages open without logging in: accepting an invitation, and the password reset request.

The invitation's link (``/invitation/<token>/``) shows who invites the person to what, then either
lets them choose a password (no active account holds the address) or asks them to log in first and
accept. An unknown, used, revoked or expired link gets a page saying so and what to do. The password
reset is Django's, with its e-mail queued to a Celery task and a limit per address and per e-mail.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ctg_portal import rate_limits
from partners import selectors_people as selectors
from partners.forms.accounts import AcceptInvitationForm, QueuedPasswordResetForm
from partners.permissions import invitation_grants_membership
from partners.services import accounts
from partners.services.accounts import AccountRefused, ExistingAccount, InvitationUnusable

# The account logged in after accepting was just authenticated by its new password, not by a backend.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

UNUSABLE_STATUS = {"unknown": 404, "replaced": 404, "used": 410, "revoked": 410, "expired": 410}


def _unusable(request, state: str, invitation=None):
    return render(
        request,
        "partners/people/invitation_unusable.html",
        {"state": state, "invitation": invitation},
        status=UNUSABLE_STATUS[state],
    )


def _welcome(request, invitation, account) -> None:
    if invitation_grants_membership(invitation):
        text = _("Welcome! You are now a member of %(organisation)s.") % {
            "organisation": invitation.organisation.display_name
        }
    else:
        text = _("Welcome! Your account is ready.")
    messages.success(request, text + " " + _("Your username: %(username)s.") % {"username": account.get_username()})


@login_not_required
@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        return _unusable(request, "replaced" if accounts.invitation_was_replaced(token) else "unknown")
    state = selectors.invitation_state(invitation)
    if state != "pending":
        return _unusable(request, state, invitation)
    context = {
        "invitation": invitation,
        "grants_membership": invitation_grants_membership(invitation),
        "inviter_name": accounts.person_name(invitation.invited_by) if invitation.invited_by else "",
    }
    user = request.user
    if user.is_authenticated:
        context["mode"] = "signed_in"
        context["matches"] = invitation.email.lower() in {user.email.strip().lower(), user.get_username().lower()}
        if request.method == "POST" and context["matches"]:
            try:
                accounts.accept_invitation(token=token, user=user)
            except InvitationUnusable as error:
                return _unusable(request, error.state, invitation)
            except AccountRefused as error:
                messages.error(request, str(error))
            else:
                _welcome(request, invitation, user)
                return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
        return render(request, "partners/people/invitation_accept.html", context)

    if accounts.accounts_for_email(invitation.email).filter(is_active=True).exists():
        return _login_to_accept(request, context)
    first_name, last_name = accounts.split_full_name(invitation.full_name)
    form = AcceptInvitationForm(
        request.POST or None, invitation=invitation, initial={"first_name": first_name, "last_name": last_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = accounts.accept_invitation(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except InvitationUnusable as error:
            return _unusable(request, error.state, invitation)
        except ExistingAccount:
            return _login_to_accept(request, context)
        except ValidationError as error:
            form.add_error("password2", error)
        except AccountRefused as error:
            form.add_error(None, str(error))
        else:
            login(request, account, backend=MODEL_BACKEND)
            _welcome(request, invitation, account)
            return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "partners/people/invitation_accept.html", {**context, "mode": "new_account", "form": form})


def _login_to_accept(request, context: dict):
    login_url = f"{reverse('login')}?{urlencode({'next': request.path})}"
    return render(
        request, "partners/people/invitation_accept.html", {**context, "mode": "log_in", "login_url": login_url}
    )


def _over_reset_limit(request, email: str) -> bool:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return rate_limits.over_limit(
        "password-reset",
        [f"ip:{request.META.get('REMOTE_ADDR', '')}", f"email:{email.strip().lower()}"],
        limit=settings.PASSWORD_RESET_RATE_LIMIT,
        window_seconds=settings.PASSWORD_RESET_RATE_WINDOW_SECONDS,
    )


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's view with the queued e-mail and a rate limit: beyond it, 429 and nothing queued.

    The limit counts every valid request, for an address with an account or not, so its answer says
    nothing about which addresses have one.
    """

    form_class = QueuedPasswordResetForm
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form):
        if _over_reset_limit(self.request, form.cleaned_data["email"]):
            window = settings.PASSWORD_RESET_RATE_WINDOW_SECONDS
            retry_after = rate_limits.seconds_left_in_window(window)
            minutes = math.ceil(retry_after / 60)
            form.add_error(
                None,
                ngettext(
                    "Too many requests for a new password. Try again in %(minutes)s minute.",
                    "Too many requests for a new password. Try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
            return response
        return super().form_valid(form)
