"""Forms of the convention editor: its parameters, an article, and the model text to start from.

The forms check what a person can correct on the spot (a date, an unknown placeholder…) with French
messages; the services (``conventions.services.editor`` and ``.articles``) check everything again.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from conventions import markup
from conventions.choices import DraftingPhase
from conventions.model_text import MODEL_ARTICLES
from conventions.models import Convention
from conventions.services.articles import BODY_LENGTH, TITLE_LENGTH
from conventions.services.editor import DOMAIN_NAME_LENGTH, MAX_ORIGINAL_COPIES, domains_for

TEXT_ERRORS = {"max_length": _("This text is limited to %(limit_value)d characters (it has %(show_value)d).")}
DATE_ERRORS = {"invalid": _("Give a valid date, such as 15/03/2025.")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _field_length(name: str) -> int:
    return Convention._meta.get_field(name).max_length


class DomainChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, domain):
        return (
            domain.name if domain.territory_id is None else _("%(name)s (this territory's own)") % {"name": domain.name}
        )


class PeriodAndSuccessionForm(forms.Form):
    """The period and the contract the convention succeeds (a CEJ…): the fields, and the checks of their
    order, that the start form and the parameters share."""

    period_start = forms.DateField(
        label=_("First day of the period"),
        widget=DateInput(),
        error_messages={"required": _("Give the first day of the period."), **DATE_ERRORS},
    )
    period_end = forms.DateField(
        label=_("Last day of the period"),
        widget=DateInput(),
        error_messages={"required": _("Give the last day of the period."), **DATE_ERRORS},
    )
    replaces_contract = forms.CharField(
        label=_("Contract it succeeds"),
        max_length=_field_length("replaces_contract"),
        required=False,
        error_messages=TEXT_ERRORS,
        help_text=_("For example « Contrat enfance jeunesse (CEJ) »; empty if it succeeds none."),
    )
    predecessor_reference = forms.CharField(
        label=_("Its reference"),
        max_length=_field_length("predecessor_reference"),
        required=False,
        error_messages=TEXT_ERRORS,
    )
    predecessor_start = forms.DateField(
        label=_("Its start"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    predecessor_end = forms.DateField(
        label=_("Its end"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("The end of the period must come after its start."))
        start, end = data.get("predecessor_start"), data.get("predecessor_end")
        if start and end and end <= start:
            self.add_error("predecessor_end", _("The contract it replaces must end after it starts."))
        return data


class ConventionSettingsForm(PeriodAndSuccessionForm):
    """« Paramètres de la convention »: everything but its parties, committees and text."""

    title = forms.CharField(
        label=_("Title"),
        max_length=_field_length("title"),
        error_messages={"required": _("Give the convention a title."), **TEXT_ERRORS},
    )
    drafting_phase = forms.ChoiceField(label=_("Drafting phase"), choices=DraftingPhase.choices)
    domains = DomainChoiceField(
        label=_("National list and this territory's own"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose domains of the list.")},
    )
    new_domain = forms.CharField(
        label=_("Add a domain of this territory"),
        max_length=DOMAIN_NAME_LENGTH,
        required=False,
        error_messages=TEXT_ERRORS,
        help_text=_("For a field the national list lacks, such as « Sport et loisirs »."),
    )
    perimeter_note = forms.CharField(
        label=_("Perimeter as the convention describes it"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=TEXT_ERRORS,
        help_text=_("Only if it differs from the intercommunality's communes today (a merger, a commune leaving…)."),
    )
    signing_place = forms.CharField(
        label=_("Place of signature"),
        max_length=_field_length("signing_place"),
        required=False,
        error_messages=TEXT_ERRORS,
        help_text=_("« Fait à … »: the city; empty for the intercommunality's seat."),
    )
    original_copies = forms.IntegerField(
        label=_("Number of original copies"),
        required=False,
        min_value=1,
        max_value=MAX_ORIGINAL_COPIES,
        error_messages={
            "min_value": _("At least one original copy."),
            "max_value": _("At most %(limit_value)s original copies."),
            "invalid": _("Give a whole number."),
        },
        help_text=_("Empty: one per signatory."),
    )
    competent_court = forms.CharField(
        label=_("Competent administrative court"),
        max_length=_field_length("competent_court"),
        required=False,
        error_messages=TEXT_ERRORS,
    )

    def __init__(self, *args, convention: Convention, default_court: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domains"].queryset = domains_for(convention)
        if default_court:
            self.fields["competent_court"].help_text = _("Empty: « %(court)s », the court of the département.") % {
                "court": default_court
            }

    def service_fields(self) -> dict:
        """The cleaned parameters, as ``convention_update`` takes them."""
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name not in ("domains", "new_domain") and name in data}


class ArticleForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_LENGTH,
        error_messages={"required": _("Give the article a title."), **TEXT_ERRORS},
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace article-source", "spellcheck": "true"}),
        error_messages={"required": _("Write the text of the article."), **TEXT_ERRORS},
    )
    position = forms.TypedChoiceField(label=_("Position"), coerce=int, required=False)
    # The article as the form was opened on (``services.articles.article_digest``): a save made meanwhile
    # by someone else is not overwritten.
    digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, article_count: int, editing: bool, preview_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if preview_url:  # the live preview (htmx): the text as it will read, a moment after each change
            self.fields["body"].widget.attrs.update(
                {
                    "hx-post": preview_url,
                    "hx-trigger": "input changed delay:600ms",
                    "hx-target": "#article-preview",
                    "hx-include": "closest form",
                    "hx-sync": "this:replace",
                    "aria-describedby": "article-preview-status",
                }
            )
        count = article_count if editing else article_count + 1
        self.fields["position"].choices = [(n, _("Article %(n)s") % {"n": n}) for n in range(1, count + 1)]
        if not editing:
            self.fields["position"].initial = count
            del self.fields["digest"]

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if markup.placeholders_in(title):
            raise ValidationError(_("Placeholders are filled in the text of an article, not in its title."))
        return title

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise ValidationError(_("Write the text of the article."))
        markup.check_placeholders(body)
        return body


class ModelArticleForm(forms.Form):
    """Which article of the model text to add, or to put back in place of an article's text."""

    key = forms.ChoiceField(
        label=_("Article of the model text"),
        choices=[(article.key, article.title) for article in MODEL_ARTICLES],
        error_messages={
            "required": _("Choose an article of the model text."),
            "invalid_choice": _("Choose an article of the model text."),
        },
    )


class ArticlePreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=BODY_LENGTH, error_messages=TEXT_ERRORS)
