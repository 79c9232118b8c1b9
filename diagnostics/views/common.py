"""What every diagnostic view starts with, and how each answers a refused change."""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest
from django_htmx.http import HttpResponseClientRefresh

from conventions.models import Convention
from conventions.selectors import convention_for_user
from ctg_portal.errors import NotAllowed
from diagnostics import services
from diagnostics.models import Diagnostic
from diagnostics.selectors import diagnostic_for


@dataclass
class Scope:
    convention: Convention
    abilities: dict[str, bool]
    diagnostic: Diagnostic | None


def scope(request: HttpRequest, convention_pk: int, *, editing: bool = False, need_diagnostic: bool = True) -> Scope:
    """The convention (404 for whoever may not see it), the user's abilities and the diagnostic.

    ``editing`` refuses (``NotAllowed``) whoever may not change the diagnostic, by the services' rule.
    """
    convention = convention_for_user(user=request.user, pk=convention_pk)
    diagnostic = diagnostic_for(convention) if need_diagnostic else getattr(convention, "diagnostic", None)
    if editing:
        services.ensure_can_edit(convention=convention, by=request.user)
    return Scope(convention=convention, abilities=convention.get_abilities(request.user), diagnostic=diagnostic)


def refused(request: HttpRequest, error: NotAllowed):
    """A refused change: htmx reloads the page, which shows why and is now read-only; else a 403."""
    if request.htmx:
        messages.error(request, str(error))
        return HttpResponseClientRefresh()
    raise error


def handles_refusal(view):
    """Turns a ``NotAllowed`` raised anywhere in ``view`` into ``refused()``'s answer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as error:
            return refused(request, error)

    return wrapper
