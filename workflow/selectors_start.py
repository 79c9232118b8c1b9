"""Reads for starting a CTG: what the home page tells a signed-in person to do next."""

from functools import cached_property

from conventions.permissions import may_start_conventions
from partners.models import Membership


class NextStep:
    """Start a CTG (``may_start``: one query, the policy's scope), or ask one of ``referents`` (the
    référents of the person's organisations: read only when the page shows them), else the portal's
    administrators."""

    def __init__(self, user):
        self.user = user
        self.may_start = may_start_conventions(user)

    @cached_property
    def referents(self) -> list[Membership]:
        if self.may_start:
            return []
        return list(
            Membership.objects.filter(
                organisation__in=Membership.objects.filter(user=self.user).values("organisation_id"),
                is_referent=True,
                user__is_active=True,
            )
            .exclude(user=self.user)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__last_name", "user__first_name")
        )


def next_step(*, user) -> NextStep:
    return NextStep(user)
