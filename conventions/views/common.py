"""What every page of a convention's parts starts with: the convention read through the user's scope
(404 for whoever may not see it) with their abilities, and the 403 that says why a change is refused."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from conventions import selectors
from conventions.models import Convention


def convention_and_abilities(request, convention_pk: int) -> tuple[Convention, dict]:
    convention = selectors.convention_for_user(user=request.user, pk=convention_pk)
    return convention, convention.get_abilities(request.user)


def refused(request, message) -> HttpResponse:
    """A 403 that says why, on the portal's error page."""
    messages.error(request, str(message))
    return render(request, "403.html", status=403)
