"""What the diagnostic page's fragments share: URL patterns, labels, the CSRF slot."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from conventions import render_cache
from diagnostics.choices import FindingKind
from diagnostics.selectors import FindingList

# Where each form's hidden CSRF input goes: the render cache's placeholder, which every response
# (cached or not) replaces with the reader's own token (``with_csrf``): no token is ever cached.
CSRF_SLOT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{render_cache.CSRF_PLACEHOLDER}">'

_SENTINEL = 987654321
_SLUG_SENTINEL = "slugsentinel"


def with_csrf(html: str, request) -> SafeString:
    """``html`` with the request's CSRF token in every ``CSRF_SLOT``."""
    return render_cache.with_csrf_token(html, request)


def _pattern(name: str, **kwargs) -> str:
    """A ``str.format`` pattern of the URL ``name``: ``{0}`` for the pk (or domain), ``{1}`` for the slug."""
    url = reverse(f"diagnostics:{name}", kwargs=kwargs)
    return url.replace(str(_SENTINEL), "{0}").replace(_SLUG_SENTINEL, "{1}")


class Urls:
    """The diagnostic's URLs for any finding, list, consultation or indicator, from one reversal each."""

    def __init__(self, convention_pk: int):
        self.convention_pk = convention_pk
        pk = {"convention_pk": convention_pk, "pk": _SENTINEL}
        in_list = {"convention_pk": convention_pk, "domain_pk": _SENTINEL, "kind_slug": _SLUG_SENTINEL}
        self._move = _pattern("finding_move", **pk)
        self._edit = _pattern("finding_edit", **pk)
        self._delete = _pattern("finding_delete", **pk)
        self._answers = _pattern("answering_actions", **pk)
        self._list = _pattern("finding_list", **in_list)
        self._add = _pattern("finding_add", **in_list)
        self._consultation_edit = _pattern("consultation_edit", **pk)
        self._consultation_delete = _pattern("consultation_delete", **pk)
        self._indicator_edit = _pattern("indicator_edit", convention_pk=convention_pk, code=_SLUG_SENTINEL)
        action = reverse("action_plans:action_detail", kwargs=pk)
        self._action = action.replace(str(_SENTINEL), "{0}")

    def move(self, pk):
        return self._move.format(pk)

    def edit(self, pk):
        return self._edit.format(pk)

    def delete(self, pk):
        return self._delete.format(pk)

    def answers(self, pk):
        return self._answers.format(pk)

    def action(self, pk):
        return self._action.format(pk)

    def finding_list(self, finding_list: FindingList):
        return self._list.format(finding_list.domain.pk, finding_list.slug)

    def finding_add(self, finding_list: FindingList):
        return self._add.format(finding_list.domain.pk, finding_list.slug)

    def consultation_edit(self, pk):
        return self._consultation_edit.format(pk)

    def consultation_delete(self, pk):
        return self._consultation_delete.format(pk)

    def indicator_edit(self, code):
        return self._indicator_edit.format("", code)


@dataclass(frozen=True)
class Labels:
    """Translations the repeated pieces share, looked up once per page in the active language."""

    high_priority: str
    low_priority: str
    move_up: str
    move_down: str
    edit: str
    delete: str
    no_action: str
    nothing_recorded: str
    add: dict
    kind_titles: dict
    code: str
    source: str
    computed: str
    edit_values: str
    computed_as: str
    where_every_input: str
    territory: str
    not_computable: str
    no_value_yet: str
    no_value: str
    intercommunality: str
    all_domains: str
    organisations_present: str
    participants: str
    notes: str

    @classmethod
    def current(cls) -> "Labels":
        return cls(
            high_priority=_("High priority"),
            low_priority=_("Low priority"),
            move_up=_("Move up"),
            move_down=_("Move down"),
            edit=_("Edit"),
            delete=_("Delete"),
            no_action=_("No action"),
            nothing_recorded=_("Nothing recorded"),
            add={
                FindingKind.STRENGTH: _("Add a strength"),
                FindingKind.WEAKNESS: _("Add a weakness"),
                FindingKind.NEED: _("Add a need"),
            },
            kind_titles={
                FindingKind.STRENGTH: _("Strengths"),
                FindingKind.WEAKNESS: _("Weaknesses"),
                FindingKind.NEED: _("Needs"),
            },
            code=_("Code"),
            source=_("Source:"),
            computed=_("Computed"),
            edit_values=_("Edit the values"),
            computed_as=_("Computed as:"),
            where_every_input=_("(for each territory and year where every input has a value)"),
            territory=_("Territory"),
            not_computable=_("Not computable yet: its inputs have no value for the same territory and year."),
            no_value_yet=_("No value yet."),
            no_value=_("no value"),
            intercommunality=_("intercommunality"),
            all_domains=_("All domains"),
            organisations_present=_("Organisations present"),
            participants=_("Participants"),
            notes=_("Notes"),
        )


def counted(message: str, number: int) -> str:
    """``message`` (an ``ngettext`` with a ``%(counter)s``), the counter written as templates write numbers."""
    return message % {"counter": localize(number)}
