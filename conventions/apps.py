from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Conventions")

    def ready(self):
        watch_rendered_models()


def watch_rendered_models():
    """Which conventions show a row of this app (and of partners, below it): their cached fragments'
    version goes up when the row changes (conventions/render_cache.py)."""
    from django.contrib.auth import get_user_model

    from conventions import render_cache
    from conventions.models import (
        Article,
        Convention,
        ConventionVersion,
        Domain,
        GeneratedDocument,
        GovernanceBody,
        GovernanceMember,
        Meeting,
        Notification,
        Party,
        ReviewComment,
        Signature,
        StatusChange,
    )
    from partners.models import Invitation, Membership, Organisation, PasswordResetEmail, Representative

    watch = render_cache.watch

    def of_body(body_id):
        return GovernanceBody.objects.filter(pk=body_id).values("convention_id")

    def of_version(version_id):
        return ConventionVersion.objects.filter(pk=version_id).values("convention_id")

    watch(Convention, conventions_of=lambda convention: convention.pk)
    for model in (Article, Party, GovernanceBody, ConventionVersion, StatusChange, ReviewComment, GeneratedDocument):
        watch(model, conventions_of=lambda row: row.convention_id)
    watch(GovernanceMember, conventions_of=lambda member: of_body(member.body_id))
    watch(Meeting, conventions_of=lambda meeting: of_body(meeting.body_id))
    watch(Signature, conventions_of=lambda signature: of_version(signature.version_id))
    # Domains are chosen by every convention of a territory and named on their findings and actions.
    watch(Domain, conventions_of=lambda domain: render_cache.ALL)

    # Partners: an organisation or a person shows on the pages of every convention naming them.
    watch(
        Organisation,
        # A commune moved to another intercommunality leaves the territory of the first one's conventions.
        moves_by=("epci",),
        conventions_of=lambda organisation: [
            Convention.objects.filter(epci=organisation.pk).values("pk"),
            # A commune's name shows in its intercommunality's territory.
            Convention.objects.filter(epci=organisation.epci_id).values("pk")
            if organisation.epci_id
            else Convention.objects.none().values("pk"),
            Party.objects.filter(organisation=organisation.pk).values("convention_id"),
        ],
    )
    watch(
        Representative,
        conventions_of=lambda person: [
            Party.objects.filter(representative=person.pk).values("convention_id"),
            GovernanceMember.objects.filter(representative=person.pk).values("body__convention_id"),
            Signature.objects.filter(representative=person.pk).values("version__convention_id"),
        ],
    )
    # The parties' panels say who was invited to sign.
    watch(
        Invitation,
        conventions_of=lambda invitation: [
            Party.objects.filter(organisation=invitation.organisation_id).values("convention_id"),
        ],
    )
    render_cache.ignore(
        Membership,
        reason="who belongs to which organisation changes abilities, which are computed per request and "
        "passed in `vary`; no page lists memberships in a cached fragment",
    )
    render_cache.ignore(Notification, reason="e-mail notices: never shown on a convention's pages")
    render_cache.ignore(
        PasswordResetEmail, reason="records of password reset e-mails: shown in the administration only"
    )

    # People's names show as authors of comments, approvers, signers and in the timeline; a login
    # (last_login only) changes nothing shown.
    watch(
        get_user_model(),
        ignore_saves_of=("last_login",),
        conventions_of=lambda user: [
            ReviewComment.objects.filter(author=user.pk).values("convention_id"),
            ReviewComment.objects.filter(resolved_by=user.pk).values("convention_id"),
            StatusChange.objects.filter(actor=user.pk).values("convention_id"),
            ConventionVersion.objects.filter(approved_by=user.pk).values("convention_id"),
            Signature.objects.filter(signer=user.pk).values("version__convention_id"),
            Signature.objects.filter(recorded_by=user.pk).values("version__convention_id"),
            Meeting.objects.filter(created_by=user.pk).values("body__convention_id"),
            Meeting.objects.filter(report_approved_by=user.pk).values("body__convention_id"),
            GeneratedDocument.objects.filter(requested_by=user.pk).values("convention_id"),
        ],
    )
