"""The convention editor: « Paramètres de la convention », « Articles » and each article's editor.

Whoever may see the convention but not edit it gets a 403 saying why (the policy's
``convention_edit_refusal``); anyone else a 404. The services check again under the convention's
lock, so a tab left open while the convention went to review is refused there too, with the
message shown on the page and nothing lost of what was typed. Every page works without JavaScript;
with htmx, the article editor shows a live preview of the text as it will read.
"""

from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conventions import markup
from conventions.choices import PartyRole
from conventions.departments import administrative_court
from conventions.forms.editor import ArticleForm, ArticlePreviewForm, ConventionSettingsForm, ModelArticleForm
from conventions.model_text import CONDITIONS, model_article, model_article_for_title
from conventions.models import Article, Convention
from conventions.permissions import convention_edit_refusal
from conventions.services import articles as article_services
from conventions.services import editor as editor_services
from conventions.views.common import convention_and_abilities, refused
from ctg_portal.errors import NotAllowed, PortalError
from partners.choices import OrganisationKind


def editing(view=None, *, keeps_typed_text: bool = False):
    """Opens the convention for its editor: 404 for whoever may not see it, 403 (saying why) for whoever
    may not edit it now; a ``NotAllowed`` from a service gives the same 403.

    A form that ``keeps_typed_text`` is posted to its view even so: the service refuses it, and the
    view shows the form again with the refusal and what was typed (a tab left open while the
    convention went to review loses nothing), with the 403 status.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, convention_pk: int, **kwargs):
            convention, abilities = convention_and_abilities(request, convention_pk)
            refusal = convention_edit_refusal(convention, abilities)
            if refusal and not (keeps_typed_text and request.method == "POST"):
                return refused(request, refusal)
            try:
                return view(request, convention, abilities, **kwargs)
            except NotAllowed as error:
                return refused(request, error)

        return wrapper

    return decorate(view) if view is not None else decorate


def _list_url(convention: Convention, article: Article | None = None) -> str:
    url = reverse("conventions:articles", args=[convention.pk])
    return f"{url}#article-{article.pk}" if article is not None else url


def _preview_url(convention: Convention) -> str:
    return reverse("conventions:article_preview", args=[convention.pk])


def _article(convention: Convention, article_pk: int) -> Article:
    return get_object_or_404(Article, convention=convention, pk=article_pk)


def _context(convention: Convention, abilities: dict, **extra) -> dict:
    return {"convention": convention, "abilities": abilities, **extra}


# --- Parameters -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@editing(keeps_typed_text=True)
def convention_settings(request, convention: Convention, abilities: dict):
    """« Paramètres de la convention »: title, period, domains, succession, perimeter, signature."""
    initial = {name: getattr(convention, name) for name in editor_services.SETTINGS_FIELDS}
    initial["domains"] = list(convention.domains.values_list("pk", flat=True))
    form = ConventionSettingsForm(
        request.POST or None,
        convention=convention,
        initial=initial,
        default_court=administrative_court(convention.epci.department_code),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            editor_services.convention_update(
                convention=convention,
                by=request.user,
                fields=form.service_fields(),
                domains=form.cleaned_data["domains"],
                new_domain_names=[form.cleaned_data["new_domain"]],
            )
        except PortalError as error:
            form.add_error(None, str(error))
            status = 403 if isinstance(error, NotAllowed) else 200
        else:
            messages.success(request, _("The convention's parameters are saved."))
            return redirect("conventions:settings", convention.pk)
    elif request.method == "POST" and not abilities["edit"]:
        form.add_error(None, convention_edit_refusal(convention, abilities))
        status = 403
    return render(
        request, "conventions/editor/settings.html", _context(convention, abilities, form=form), status=status
    )


# --- Articles -------------------------------------------------------------------------------------


def _state_signs(convention: Convention) -> bool:
    return convention.parties.filter(
        organisation__kind=OrganisationKind.STATE_SERVICE, role=PartyRole.SIGNATORY
    ).exists()


@require_GET
@editing
def article_list(request, convention: Convention, abilities: dict):
    """The articles in their order, to reorder, add (from the model text or blank) and delete."""
    articles = list(convention.articles.order_by("position", "pk"))
    missing = article_services.missing_model_articles(articles)
    state_signs = _state_signs(convention) if any(m.condition == "state_signatory" for m in missing) else False
    return render(
        request,
        "conventions/editor/article_list.html",
        _context(
            convention,
            abilities,
            articles=articles,
            missing=[
                {
                    "article": model,
                    "condition": CONDITIONS.get(model.condition, ""),
                    "recommended": model.condition == "state_signatory" and state_signs,
                }
                for model in missing
            ],
        ),
    )


@require_POST
@editing
def article_add_model(request, convention: Convention, abilities: dict):
    form = ModelArticleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["key"]))
        return redirect(_list_url(convention))
    try:
        article = article_services.article_add_from_model(
            convention=convention, by=request.user, key=form.cleaned_data["key"]
        )
    except NotAllowed:
        raise
    except PortalError as error:
        messages.error(request, str(error))
        return redirect(_list_url(convention))
    messages.success(
        request,
        _("“%(title)s” added as article %(position)s.") % {"title": article.title, "position": article.position},
    )
    return redirect(_list_url(convention, article))


def _preview(convention: Convention, body: str) -> dict:
    """What the preview shows: the text as it will read, and the unknown placeholders it holds."""
    return {
        "preview_html": markup.article_html(body, convention) if body.strip() else "",
        "preview_unknown": markup.unknown_placeholders(body),
    }


def _placeholder_rows(convention: Convention) -> list[tuple]:
    """Each placeholder with its value for this convention, for the list beside the editor."""
    values = markup.cached_placeholder_values(convention)
    rows = []
    for name, placeholder in markup.PLACEHOLDERS.items():
        value = values.get(name, "")
        rows.append((placeholder, "; ".join(value) if isinstance(value, list) else value))
    return rows


def _editor_page(request, convention, abilities, *, form, article=None, changed=None, status=200):
    body = form.data.get("body", "") if form.is_bound else form.initial.get("body", "")
    model = model_article_for_title(article.title) if article is not None else None
    return render(
        request,
        "conventions/editor/article_form.html",
        _context(
            convention,
            abilities,
            form=form,
            article=article,
            changed=changed,
            model=model,
            placeholder_rows=_placeholder_rows(convention),
            **_preview(convention, body),
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@editing(keeps_typed_text=True)
def article_create(request, convention: Convention, abilities: dict):
    """A blank article (at the end, or at ``?position=n``)."""
    count = convention.articles.count()
    initial = {}
    position = request.GET.get("position", "")
    if position.isdigit():
        initial["position"] = min(max(int(position), 1), count + 1)
    form = ArticleForm(
        request.POST or None, article_count=count, editing=False, initial=initial, preview_url=_preview_url(convention)
    )
    status = 200
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            article = article_services.article_create(
                convention=convention,
                by=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                position=form.cleaned_data["position"] or None,
            )
        except PortalError as error:
            form.add_error(None, str(error))
            status = 403 if isinstance(error, NotAllowed) else 200
        else:
            messages.success(request, _("Article %(position)s added.") % {"position": article.position})
            return redirect(_list_url(convention, article))
    elif request.method == "POST" and not abilities["edit"]:
        form.add_error(None, convention_edit_refusal(convention, abilities))
        status = 403
    return _editor_page(request, convention, abilities, form=form, status=status)


@require_http_methods(["GET", "POST"])
@editing(keeps_typed_text=True)
def article_edit(request, convention: Convention, abilities: dict, article_pk: int):
    """One article's title, text and position, with the placeholders and a live preview."""
    article = _article(convention, article_pk)
    count = convention.articles.count()
    initial = {
        "title": article.title,
        "body": article.body,
        "position": article.position,
        "digest": article_services.article_digest(article),
    }
    form = ArticleForm(
        request.POST or None, article_count=count, editing=True, initial=initial, preview_url=_preview_url(convention)
    )
    changed, status = None, 200
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            article = article_services.article_update(
                article=article,
                by=request.user,
                title=data["title"],
                body=data["body"],
                expected_digest=data["digest"],
                position=data["position"] or None,
            )
        except article_services.ArticleChanged as error:
            form.add_error(None, str(error))
            changed = error.article
        except PortalError as error:
            form.add_error(None, str(error))
            status = 403 if isinstance(error, NotAllowed) else 200
        else:
            messages.success(request, _("Article %(position)s saved.") % {"position": article.position})
            return redirect(_list_url(convention, article))
    elif request.method == "POST" and not abilities["edit"]:
        form.add_error(None, convention_edit_refusal(convention, abilities))
        status = 403
    return _editor_page(request, convention, abilities, form=form, article=article, changed=changed, status=status)


@require_POST
@editing
def article_preview(request, convention: Convention, abilities: dict):
    """The htmx preview of the article being typed (nothing is saved)."""
    form = ArticlePreviewForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    context = _context(convention, abilities, **_preview(convention, body))
    if not form.is_valid():
        context["preview_error"] = " ".join(form.errors.get("body", []))
    return render(request, "conventions/editor/_preview.html", context)


@require_POST
@editing
def article_move(request, convention: Convention, abilities: dict, article_pk: int):
    article = _article(convention, article_pk)
    direction = request.POST.get("direction", "")
    try:
        if direction.isdigit():
            article = article_services.article_set_position(article=article, by=request.user, position=int(direction))
        else:
            article = article_services.article_move(article=article, by=request.user, direction=direction)
    except NotAllowed:
        raise
    except PortalError as error:
        messages.error(request, str(error))
    return redirect(_list_url(convention, article))


@require_http_methods(["GET", "POST"])
@editing
def article_delete(request, convention: Convention, abilities: dict, article_pk: int):
    """Asks first, then deletes the article; the following ones move up."""
    article = _article(convention, article_pk)
    if request.method == "POST":
        try:
            article_services.article_delete(article=article, by=request.user)
        except NotAllowed:
            raise
        except PortalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("“%(title)s” deleted.") % {"title": article.title})
        return redirect(_list_url(convention))
    return render(
        request,
        "conventions/editor/article_confirm_delete.html",
        _context(convention, abilities, article=article, body_html=markup.article_html(article.body, convention)),
    )


@require_http_methods(["GET", "POST"])
@editing
def article_reset(request, convention: Convention, abilities: dict, article_pk: int):
    """Asks first, then puts the model text's article back in place of this one's title and text."""
    article = _article(convention, article_pk)
    known = model_article_for_title(article.title)
    form = ModelArticleForm(request.POST or request.GET or None, initial={"key": known.key if known else ""})
    model = model_article(form.data.get("key", "")) if form.is_bound else known
    if request.method == "POST" and form.is_valid():
        try:
            article = article_services.article_reset_to_model(
                article=article, by=request.user, key=form.cleaned_data["key"]
            )
        except NotAllowed:
            raise
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Article %(position)s is the model text's again.") % {"position": article.position}
            )
            return redirect("conventions:article_edit", convention.pk, article.pk)
    return render(
        request,
        "conventions/editor/article_confirm_reset.html",
        _context(
            convention,
            abilities,
            article=article,
            form=form,
            model=model,
            model_html=markup.article_html(model.body, convention) if model else "",
        ),
    )
