"""Writes of a convention's articles: add (from the model text or blank), edit, move, delete, reset.

Articles are the convention's contractual text: only the intercommunality's staff change them, and
only while the convention is a draft or sent back for changes. Every service locks the convention
row and checks that on the fresh row first (``conventions.services.content``), so a tab left open
while the convention went to review is refused, in the service, whatever the page showed.

Positions run 1, 2, 3… without gaps; the database refuses two articles at one position, so a move
first parks the articles it shifts out of the way (an ``UPDATE`` that the history does not record),
then writes each one's new position with its history. Every change is in the history, with its author.
"""

import hashlib
from collections.abc import Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from conventions import markup
from conventions.model_text import MODEL_ARTICLES, ModelArticle, model_article, model_article_for_title
from conventions.models import Article, Convention
from conventions.permissions import convention_edit_refusal
from conventions.services.content import lock_editable_convention
from ctg_portal.errors import NotAllowed, PortalError

TITLE_LENGTH = Article._meta.get_field("title").max_length
BODY_LENGTH = 30_000
MAX_ARTICLES = 100
# Where the articles a move shifts wait, above any real position (``MAX_ARTICLES``), for one statement.
_PARKING = 1_000


class ArticleRefused(PortalError):
    """The article cannot be written as asked; the message says why."""


class ArticleChanged(ArticleRefused):
    """Someone saved the article since the form was opened: nothing is written over their text."""

    def __init__(self, article: Article):
        self.article = article
        super().__init__(
            _(
                "Someone saved this article while you were editing it. Nothing was saved: its current text "
                "is shown below, and yours is kept in the form to apply again."
            )
        )


def edit_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    """The error refusing a change to this convention's text, in the policy's words."""
    return NotAllowed(convention_edit_refusal(convention, abilities))


def ensure_can_edit(*, convention: Convention, by) -> None:
    """Raises ``NotAllowed`` unless ``by`` may change the convention's text now (for pages; a write
    checks again under the lock)."""
    abilities = convention.get_abilities(by)
    if not abilities["edit"]:
        raise edit_refusal(convention, abilities)


def _lock(convention: Convention, by) -> Convention:
    return lock_editable_convention(convention, by=by, refusal=edit_refusal)


def _track(instance, by):
    instance._history_user = by
    return instance


def article_digest(article: Article) -> str:
    """A fingerprint of the article's title and text, carried by the form to notice a concurrent save."""
    return hashlib.sha256(f"{article.title}\x00{article.body}".encode()).hexdigest()


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ArticleRefused(_("Give the article a title."))
    if len(title) > TITLE_LENGTH:
        raise ArticleRefused(_("The title is limited to %(limit)s characters.") % {"limit": TITLE_LENGTH})
    if markup.placeholders_in(title):
        raise ArticleRefused(_("Placeholders are filled in the text of an article, not in its title."))
    return title


def clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ArticleRefused(_("Write the text of the article."))
    if len(body) > BODY_LENGTH:
        raise ArticleRefused(
            _("The text of an article is limited to %(limit)s characters (it has %(count)s).")
            % {"limit": BODY_LENGTH, "count": len(body)}
        )
    try:
        markup.check_placeholders(body)
    except ValidationError as error:
        raise ArticleRefused(" ".join(error.messages)) from None
    return body


def _articles(convention: Convention) -> list[Article]:
    return list(Article.objects.select_for_update().filter(convention=convention).order_by("position", "pk"))


def _locked_article(article: Article, convention: Convention) -> Article:
    try:
        return Article.objects.select_for_update().get(pk=article.pk, convention=convention)
    except Article.DoesNotExist:
        raise ArticleRefused(_("This article no longer exists: someone deleted it.")) from None


def _renumber(ordered: Sequence[Article | None], by) -> None:
    """Gives ``ordered`` the positions 1, 2, 3…, writing only the articles whose position changes; a
    ``None`` keeps its position free (for an article about to be inserted there)."""
    moving = [
        (position, article)
        for position, article in enumerate(ordered, start=1)
        if article is not None and article.position != position
    ]
    if not moving:
        return
    Article.objects.filter(pk__in=[article.pk for _position, article in moving]).update(
        position=F("position") + _PARKING
    )
    for position, article in moving:
        article.position = position
        _track(article, by).save(update_fields=["position"])


def _insert(convention: Convention, by, *, title: str, body: str, position: int | None) -> Article:
    articles = _articles(convention)
    if len(articles) >= MAX_ARTICLES:
        raise ArticleRefused(_("A convention has at most %(limit)s articles.") % {"limit": MAX_ARTICLES})
    index = len(articles) if position is None else max(0, min(position - 1, len(articles)))
    _renumber([*articles[:index], None, *articles[index:]], by)  # the following articles move down
    article = Article(convention=convention, position=index + 1, title=title, body=body)
    _track(article, by).save()
    return article


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def article_create(*, convention: Convention, by, title: str, body: str, position: int | None = None) -> Article:
    """Adds an article at ``position`` (1 is first; default: last); the following ones move down."""
    convention = _lock(convention, by)
    return _insert(convention, by, title=clean_title(title), body=clean_body(body), position=position)


def _model_position(model: ModelArticle, articles: Sequence[Article]) -> int:
    """Where a model article goes: after the last article that comes before it in the model text."""
    order = {article.key: index for index, article in enumerate(MODEL_ARTICLES)}
    rank = order[model.key]
    position = 0
    for index, article in enumerate(articles, start=1):
        known = model_article_for_title(article.title)
        if known is not None and order[known.key] < rank:
            position = index
    return position + 1


@transaction.atomic
def article_add_from_model(*, convention: Convention, by, key: str) -> Article:
    """Adds the model text's article ``key`` where the model places it among the existing articles."""
    model = model_article(key)
    if model is None:
        raise ArticleRefused(_("This article is not part of the model text."))
    convention = _lock(convention, by)
    articles = _articles(convention)
    if any(model_article_for_title(article.title) == model for article in articles):
        raise ArticleRefused(
            _("The convention already has the article “%(title)s” of the model text.") % {"title": model.title}
        )
    return _insert(convention, by, title=model.title, body=model.body, position=_model_position(model, articles))


@transaction.atomic
def article_update(
    *, article: Article, by, title: str, body: str, expected_digest: str = "", position: int | None = None
) -> Article:
    """Changes an article's title and text, and its position when given (in the same transaction).
    With ``expected_digest`` (what the form was opened on), a save made meanwhile by someone else is
    not overwritten (``ArticleChanged``)."""
    convention = _lock(article.convention, by)
    article = _locked_article(article, convention)
    title, body = clean_title(title), clean_body(body)
    if expected_digest and expected_digest != article_digest(article):
        raise ArticleChanged(article)
    if (article.title, article.body) != (title, body):
        article.title, article.body = title, body
        _track(article, by).save(update_fields=["title", "body"])
    if position is not None and position != article.position:
        _place(convention, article, position, by)
    return article


def _place(convention: Convention, article: Article, position: int, by) -> None:
    """Moves ``article`` to ``position`` (1 is first; beyond the last: last); the others close up."""
    articles = [other for other in _articles(convention) if other.pk != article.pk]
    index = max(0, min(int(position) - 1, len(articles)))
    _renumber([*articles[:index], article, *articles[index:]], by)


@transaction.atomic
def article_set_position(*, article: Article, by, position: int) -> Article:
    """Moves an article to ``position`` (1 is first; beyond the last: last); the others close up."""
    convention = _lock(article.convention, by)
    article = _locked_article(article, convention)
    _place(convention, article, position, by)
    return article


@transaction.atomic
def article_move(*, article: Article, by, direction: Literal["up", "down"]) -> Article:
    """Swaps an article with the one before (``up``) or after (``down``) it; nothing at either end."""
    if direction not in ("up", "down"):
        raise ArticleRefused(_("Move an article up or down."))
    convention = _lock(article.convention, by)
    article = _locked_article(article, convention)
    articles = _articles(convention)
    index = next(i for i, other in enumerate(articles) if other.pk == article.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(articles):
        articles[index], articles[other] = articles[other], articles[index]
        _renumber(articles, by)
    return next(other for other in articles if other.pk == article.pk)


@transaction.atomic
def article_delete(*, article: Article, by) -> None:
    """Deletes an article; the following ones move up."""
    convention = _lock(article.convention, by)
    article = _locked_article(article, convention)
    _track(article, by).delete()
    _renumber(_articles(convention), by)


@transaction.atomic
def article_reset_to_model(*, article: Article, by, key: str) -> Article:
    """Replaces an article's title and text with the model text's article ``key``."""
    model = model_article(key)
    if model is None:
        raise ArticleRefused(_("This article is not part of the model text."))
    convention = _lock(article.convention, by)
    article = _locked_article(article, convention)
    if (article.title, article.body) != (model.title, model.body):
        article.title, article.body = model.title, model.body
        _track(article, by).save(update_fields=["title", "body"])
    return article


# --- Reads for the pages -----------------------------------------------------------------------------


def missing_model_articles(articles: Sequence[Article]) -> list[ModelArticle]:
    """The model text's articles that ``articles`` (a convention's) do not hold, recognised by title."""
    present = {model.key for model in map(model_article_for_title, (article.title for article in articles)) if model}
    return [model for model in MODEL_ARTICLES if model.key not in present]
