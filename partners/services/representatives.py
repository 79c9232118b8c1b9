"""The people who speak or sign for an organisation: a mayor, a director, a president.

A representative is written by the portal's agents (``may_manage_representatives``: the staff of an
organisation, the administrators), mostly from a convention's party or governance editor, which adds
its own rule on top (``conventions.services.parties``: only while the convention is editable).

- Civility (« Mme », « M. »), full name, title, delegation wording (« pour le préfet et par
  délégation ») and e-mail are stripped of stray spaces and validated with French messages; the title
  is written without its article, which the civility gives (« la Présidente », ``partners.grammar``).
- A person already named in a party, a committee, a signature, an invitation or linked to an account is
  never deleted, only deactivated: the records of what they signed or attended keep pointing at them.
- Every write records the acting user in the history (``_history_user``), also outside a request.

Refusals: :class:`~ctg_portal.errors.NotAllowed` for rights, :class:`~django.core.exceptions.ValidationError`
with a dict of messages keyed by field name (``civility``, ``full_name``, ``title``, ``delegation``,
``email``) for bad data.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ctg_portal.errors import NotAllowed
from partners.choices import Civility, MembershipRole
from partners.grammar import normalise_spaces
from partners.models import Organisation, Representative

# The fields a representative's form writes, in the order the forms show them.
REPRESENTATIVE_FIELDS = ("civility", "full_name", "title", "delegation", "email")
# Fields that appear in a convention's text (its parties' and committees' names): a convention already
# approved or signed keeps them as they were (``conventions.services.parties``).
CONTRACTUAL_FIELDS = ("civility", "full_name", "title", "delegation")

# A title typed with its article (« la Présidente », « l'Adjointe »): the article comes from the civility.
_TITLE_WITH_ARTICLE = re.compile(r"^(le|la|les|l['\u2019])\s*", re.IGNORECASE)


def may_manage_representatives(user) -> bool:
    """Whether ``user`` may add or correct representatives: an active staff member of some
    organisation (an intercommunality's agent, a CAF officer…) or a portal administrator."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.memberships.filter(role=MembershipRole.STAFF).exists()


def _check_may_manage(by) -> None:
    if not may_manage_representatives(by):
        raise NotAllowed(_("Only the staff of a partner organisation can add or change a representative."))


def normalised_fields(fields: dict) -> dict:
    """The fields as stored: spaces trimmed and collapsed, none in an e-mail; an unknown name is a bug."""
    cleaned = {}
    for name, value in fields.items():
        if name not in REPRESENTATIVE_FIELDS:
            raise TypeError(f"Unknown representative field: {name}")
        cleaned[name] = normalise_spaces(value or "")
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].replace(" ", "")
    return cleaned


def _validate(representative: Representative) -> None:
    """The model's validation (lengths, e-mail, civility, uniqueness) plus the title's grammar."""
    errors = {}
    if representative.civility not in ("", *Civility.values):
        errors["civility"] = [_("Choose « Mme » or « M. ».")]
    if not representative.full_name:
        errors["full_name"] = [_("Give the person's first name and last name.")]
    if not representative.title:
        errors["title"] = [_("Give the person's title, for example « Présidente » or « Maire ».")]
    elif _TITLE_WITH_ARTICLE.match(representative.title):
        errors["title"] = [
            _(
                "Write the title without its article (« Présidente », not « la Présidente »): "
                "the portal adds « le » or « la » from the civility."
            )
        ]
    try:
        representative.full_clean(exclude=["organisation", "user"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        raise ValidationError(errors)


def _matching(organisation: Organisation, full_name: str, title: str):
    return Representative.objects.filter(
        organisation=organisation, full_name__iexact=full_name, title__iexact=title
    ).first()


@transaction.atomic
def create_representative(
    *,
    organisation: Organisation,
    by,
    full_name: str,
    title: str,
    civility: str = "",
    delegation: str = "",
    email: str = "",
) -> Representative:
    """A new person representing ``organisation``."""
    _check_may_manage(by)
    fields = normalised_fields(
        {"civility": civility, "full_name": full_name, "title": title, "delegation": delegation, "email": email}
    )
    representative = Representative(organisation=organisation, **fields)
    _validate(representative)
    if _matching(organisation, representative.full_name, representative.title):
        raise ValidationError({"full_name": [_("This person already represents this organisation with this title.")]})
    representative._history_user = by
    representative.save()
    return representative


@transaction.atomic
def find_or_create_representative(
    *,
    organisation: Organisation,
    by,
    full_name: str,
    title: str,
    civility: str = "",
    delegation: str = "",
    email: str = "",
) -> tuple[Representative, bool]:
    """The person of ``organisation`` with this name and title (same letters, whatever their case),
    or a new one; ``(representative, created)``.

    Typing again a person the portal already knows is not an error: the existing record is used,
    active again if it had been deactivated, and its empty civility, delegation or e-mail filled in
    from what was typed (a value already recorded is never overwritten here).
    """
    _check_may_manage(by)
    fields = normalised_fields(
        {"civility": civility, "full_name": full_name, "title": title, "delegation": delegation, "email": email}
    )
    existing = _matching(organisation, fields["full_name"], fields["title"]) if fields["full_name"] else None
    if existing is None:
        return create_representative(organisation=organisation, by=by, **fields), True
    existing = Representative.objects.select_for_update().get(pk=existing.pk)
    changed = []
    for name in ("civility", "delegation", "email"):
        if fields[name] and not getattr(existing, name):
            setattr(existing, name, fields[name])
            changed.append(name)
    if not existing.is_active:
        existing.is_active = True
        changed.append("is_active")
    if changed:
        _validate(existing)
        existing._history_user = by
        existing.save(update_fields=changed)
    return existing, False


@transaction.atomic
def update_representative(*, representative: Representative, by, **changes) -> Representative:
    """Changes some of ``REPRESENTATIVE_FIELDS`` (the others keep their value)."""
    _check_may_manage(by)
    fields = normalised_fields(changes)
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    changed = [name for name, value in fields.items() if getattr(representative, name) != value]
    if not changed:
        return representative
    for name in changed:
        setattr(representative, name, fields[name])
    _validate(representative)
    if {"full_name", "title"} & set(changed):
        duplicate = _matching(representative.organisation, representative.full_name, representative.title)
        if duplicate is not None and duplicate.pk != representative.pk:
            raise ValidationError(
                {"full_name": [_("This person already represents this organisation with this title.")]}
            )
    representative._history_user = by
    representative.save(update_fields=changed)
    return representative


def is_referenced(representative: Representative) -> bool:
    """Whether anything names this person besides their organisation: an account, an invitation, or a
    protected record of another app (a party, a committee seat, a signature)."""
    if representative.user_id or representative.invitations.exists():
        return True
    for relation in representative._meta.related_objects:
        if relation.on_delete.__name__ != "PROTECT":
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: representative}).exists():
            return True
    return False


@transaction.atomic
def deactivate_representative(*, representative: Representative, by) -> Representative:
    """No longer offered in the pickers; what already names the person keeps naming them."""
    _check_may_manage(by)
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    if representative.is_active:
        representative.is_active = False
        representative._history_user = by
        representative.save(update_fields=["is_active"])
    return representative


@transaction.atomic
def remove_representative(*, representative: Representative, by) -> bool:
    """Deletes the person if nothing names them, else deactivates them; ``True`` when deleted."""
    _check_may_manage(by)
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    if is_referenced(representative):
        deactivate_representative(representative=representative, by=by)
        return False
    try:
        with transaction.atomic():
            representative._history_user = by
            representative.delete()
    except ProtectedError:  # named by a record created meanwhile
        deactivate_representative(representative=representative, by=by)
        return False
    return True
