"""The convention page's timeline and versions, read in queries compiled once per process
(``ctg_portal.precompiled``), as small read-only rows with the attributes the templates read on the models
(``get_action_display``, ``actor.get_full_name``, ``short_hash``…).

Like ``workflow.selectors_detail``: the page is rebuilt after every change of its convention, and building,
compiling and instantiating these querysets cost Django more than the database takes to answer. Datetimes
are made aware here when the database gives them naive (SQLite), as Django's converters do.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import ConventionVersion, StatusChange
from ctg_portal.precompiled import PrecompiledQuery
from workflow.selectors_detail import Named


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A datetime as the ORM gives it: aware (SQLite answers naive datetimes in the connection's zone)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, connection.timezone)
    return value


@dataclass(frozen=True, slots=True)
class Person:
    """A user as pages name them (``User.get_full_name``, else ``get_username``)."""

    first_name: str
    last_name: str
    username: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_username(self) -> str:
        return self.username


@dataclass(frozen=True, slots=True)
class PartyName:
    organisation: Named


@dataclass(frozen=True, slots=True)
class VersionNumber:
    pk: int
    number: int


_ACTIONS = dict(LifecycleAction.choices)
_STATUSES = dict(ConventionStatus.choices)


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One status change (``StatusChange``) as the timeline and the lifecycle bar show it."""

    pk: int
    action: str
    from_status: str
    to_status: str
    occurred_at: datetime.datetime
    amendment_number: int
    comment: str
    actor: Person | None
    party: PartyName | None
    version: VersionNumber | None

    def get_action_display(self) -> str:
        return _ACTIONS.get(self.action, self.action)

    def get_from_status_display(self) -> str:
        return _STATUSES.get(self.from_status, self.from_status)

    def get_to_status_display(self) -> str:
        return _STATUSES.get(self.to_status, self.to_status)


_TIMELINE = PrecompiledQuery(
    lambda convention_id: (
        StatusChange.objects.filter(convention_id=convention_id)
        .order_by("occurred_at", "pk")
        .values_list(
            "pk",
            "action",
            "from_status",
            "to_status",
            "occurred_at",
            "amendment_number",
            "comment",
            "actor_id",
            "actor__first_name",
            "actor__last_name",
            "actor__username",
            "party_id",
            "party__organisation__name",
            "party__organisation__short_name",
            "version_id",
            "version__number",
        )
    )
)


def timeline(*, convention_id: int) -> list[TimelineStep]:
    """Every status change of the convention, oldest first, with who made it, for which party and on
    which version."""
    steps = []
    for (
        pk,
        action,
        from_status,
        to_status,
        occurred_at,
        amendment_number,
        comment,
        actor_id,
        first_name,
        last_name,
        username,
        party_id,
        organisation_name,
        organisation_short_name,
        version_id,
        version_number,
    ) in _TIMELINE.rows(convention_id):
        steps.append(
            TimelineStep(
                pk=pk,
                action=action,
                from_status=from_status,
                to_status=to_status,
                occurred_at=_aware(occurred_at),
                amendment_number=amendment_number,
                comment=comment,
                actor=Person(first_name, last_name, username) if actor_id is not None else None,
                party=PartyName(Named(organisation_name, organisation_short_name or ""))
                if party_id is not None
                else None,
                version=VersionNumber(version_id, version_number) if version_id is not None else None,
            )
        )
    return steps


@dataclass(slots=True)
class VersionSummary:
    """A version as the convention page lists it (``conventions.selectors.versions_of`` gives the same
    attributes on model instances): ``is_signed``, ``is_current`` and ``is_being_signed`` as there."""

    pk: int
    number: int
    amendment_number: int
    content_sha256: str
    approved_at: datetime.datetime
    approved_by: Person
    is_signed: bool = False
    is_current: bool = False
    is_being_signed: bool = False

    @property
    def short_hash(self) -> str:  # as ``ConventionVersion.short_hash``
        return self.content_sha256[:12]


_VERSIONS = PrecompiledQuery(
    lambda convention_id: (
        ConventionVersion.objects.filter(convention_id=convention_id)
        .order_by("-number")
        .values_list(
            "pk",
            "number",
            "amendment_number",
            "content_sha256",
            "approved_at",
            "approved_by__first_name",
            "approved_by__last_name",
            "approved_by__username",
        )
    )
)


def versions(*, convention, steps: list[TimelineStep]) -> list[VersionSummary]:
    """The convention's versions, newest first, without their content; signed when the timeline
    (``steps``, from ``timeline``) records the completion of its signature."""
    signed = {step.version.pk for step in steps if step.action == LifecycleAction.COMPLETE_SIGNATURE and step.version}
    found = []
    for pk, number, amendment_number, sha256, approved_at, first_name, last_name, username in _VERSIONS.rows(
        convention.pk
    ):
        found.append(
            VersionSummary(
                pk=pk,
                number=number,
                amendment_number=amendment_number,
                content_sha256=sha256,
                approved_at=_aware(approved_at),
                approved_by=Person(first_name, last_name, username),
                is_signed=pk in signed,
                is_current=pk == convention.signed_version_id,
                is_being_signed=pk == convention.approved_version_id,
            )
        )
    return found
