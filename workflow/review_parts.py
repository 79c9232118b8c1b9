"""HTML written once per part of the review page: the part's heading, what it is about, its threads (each
with its replies and its forms) and the form to comment on it.

The review page lists every article, finding and fiche of the convention (a hundred parts or more, most
without a comment): through template includes, each part cost a tenth of a millisecond of CPU (variable
lookups, half a dozen translations, two URL reversals) and each thread three or four times more (two
forms, dates, names). Here each is a few ``html_format`` calls from strings computed once per page
(translations, URL patterns). The page and the htmx answer to a form (``review/_part.html``) both go
through ``part_html``, so they write the same HTML.
"""

from functools import lru_cache

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from action_plans.rows import pk_url
from conventions import markup
from conventions.choices import CommentAnchor
from ctg_portal.fast_html import html_format


@lru_cache(maxsize=8)
def _texts(_language: str | None) -> dict:
    """Translations every part repeats, looked up once per language rather than per part."""
    return {
        "whole": _("The convention as a whole"),
        "read_article": _("Read the article"),
        "edit_article": _("Edit this article"),
        "removed": _("This part has been removed from the convention since."),
        "no_open_comment": _("No open comment."),
        "no_comment": _("No comment."),
        "comment_on": _("Comment on this part"),
        "your_comment": _("Your comment"),
        "add_comment": _("Add the comment"),
        "resolved": _("Resolved"),
        "open": _("Open"),
        "replies": _("Replies"),
        "resolved_by": _("Resolved by %(resolver)s on %(date)s."),
        "reply": _("Reply"),
        "your_reply": _("Your reply"),
        "send_reply": _("Send the reply"),
        "reopen": _("Reopen"),
        "mark_resolved": _("Mark as resolved"),
    }


class _PageUrls:
    """The URLs of one convention's parts, each reversed once per page."""

    def __init__(self, convention_pk: int):
        self.convention_pk = convention_pk
        self.action = pk_url("action_plans:action_detail", convention_pk)
        self.article_edit = pk_url("conventions:article_edit", convention_pk)
        self.comment_create = reverse("workflow:review_comment_create", args=[convention_pk])
        self.reply = pk_url("workflow:review_comment_reply", convention_pk)
        self.resolve = pk_url("workflow:review_comment_resolve", convention_pk)
        self.reopen = pk_url("workflow:review_comment_reopen", convention_pk)


def _urls(context, convention_pk: int) -> _PageUrls:
    """Reversed once per rendering of the page (kept in the template's render context)."""
    key = (__name__, convention_pk)
    urls = context.render_context.get(key)
    if urls is None:
        urls = context.render_context[key] = _PageUrls(convention_pk)
    return urls


def _csrf_input(context) -> SafeString:
    """What ``{% csrf_token %}`` writes (the render cache's placeholder in a cached fragment)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return mark_safe("")
    return html_format('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _heading(part, texts: dict, urls: _PageUrls) -> SafeString:
    anchor, target = part.anchor, part.target
    if anchor == CommentAnchor.GENERAL:
        return html_format("{}", texts["whole"])
    if anchor == CommentAnchor.ACTION and target:
        return html_format(
            '<span class="action-code">{}</span> <a href="{}">{}</a>',
            target.code,
            urls.action(part.target_id),
            target.title,
        )
    if anchor == CommentAnchor.FINDING and target:
        return html_format(
            '<span class="badge text-bg-light border fw-normal">{}</span> {}', target.get_kind_display(), part.label
        )
    return html_format("{}", part.label)


def _about(part, context, texts: dict, urls: _PageUrls) -> SafeString:
    """What the part is about: the article's text, the finding's detail, or that it was removed."""
    anchor, target = part.anchor, part.target
    if anchor == CommentAnchor.ARTICLE and target:
        html = html_format(
            '<details class="small mt-1"><summary>{}</summary>'
            '<div class="article-body mt-1 border-start ps-2">{}</div></details>',
            texts["read_article"],
            markup.article_html(target.body, convention=context.get("convention")),
        )
        if (context.get("abilities") or {}).get("edit"):
            html += html_format(
                '<a class="btn btn-sm btn-outline-primary mt-1 review-edit-article" href="{}">'
                '<i class="bi bi-pencil" aria-hidden="true"></i> {}</a>',
                urls.article_edit(part.target_id),
                texts["edit_article"],
            )
        return html
    if anchor == CommentAnchor.FINDING and target and target.detail:
        return html_format('<p class="small text-body-secondary preserve-lines mb-1 mt-1">{}</p>', target.detail)
    if not target and anchor != CommentAnchor.GENERAL:
        return html_format('<p class="small text-body-secondary mb-1">{}</p>', texts["removed"])
    return mark_safe("")


def _name(user) -> str:
    """``{% firstof user.get_full_name user.get_username %}``."""
    return user.get_full_name() or user.get_username()


def _when(value, format_string: str) -> str:
    """``{{ value|date:format_string }}``: in the current time zone, as templates show datetimes."""
    return dateformat.format(timezone.template_localtime(value), format_string)


def _replies_html(thread, texts: dict) -> SafeString:
    replies = thread.replies.all()
    if not replies:
        return mark_safe("")
    return html_format(
        '<ol class="list-unstyled mt-2 mb-1 ms-2 ps-2 border-start review-replies" aria-label="{}">{}</ol>',
        texts["replies"],
        mark_safe(
            "".join(
                html_format(
                    '<li class="mb-2 review-reply" id="comment-{}">'
                    '<div class="small"><span class="fw-semibold">{}</span> · <time datetime="{}">{}</time></div>'
                    '<div class="preserve-lines">{}</div></li>',
                    reply.pk,
                    _name(reply.author),
                    _when(reply.created_at, "c"),
                    _when(reply.created_at, "d/m/Y H:i"),
                    reply.body,
                )
                for reply in replies
            )
        ),
    )


def _thread_tools(thread, part, context, texts: dict, urls: _PageUrls, csrf: SafeString) -> SafeString:
    """The forms to reply to a thread, and to resolve or reopen it, as the reader's abilities allow."""
    abilities = context.get("abilities") or {}
    if not (abilities.get("reply") or abilities.get("resolve_comments")):
        return mark_safe("")
    only_open = mark_safe('<input type="hidden" name="filtre" value="ouverts">') if context.get("only_open") else ""
    tools = mark_safe("")
    if abilities.get("reply"):
        reply_url = urls.reply(thread.pk)
        is_answered = context.get("reply_to") == thread.pk  # the reply refused: shown again, with its text
        value = ""
        if is_answered:
            form = context.get("reply_form")
            value = form["body"].value() if form else None
            value = "" if value is None else value
        tools += html_format(
            '<details class="flex-grow-1 review-reply-form"{}>'
            '<summary class="btn btn-sm btn-outline-secondary">'
            '<i class="bi bi-reply" aria-hidden="true"></i> {}</summary>'
            '<form method="post" action="{}" hx-post="{}" hx-target="#part-{}" hx-swap="outerHTML" '
            'hx-disabled-elt="find button" class="mt-2">{}{}'
            '<label class="form-label small" for="reply-{}">{}</label>'
            '<textarea class="form-control" id="reply-{}" name="body" rows="2" maxlength="5000" required>{}</textarea>'
            '<button type="submit" class="btn btn-sm btn-primary mt-2">{}</button></form></details>',
            mark_safe(" open") if is_answered else "",
            texts["reply"],
            reply_url,
            reply_url,
            part.key,
            csrf,
            only_open,
            thread.pk,
            texts["your_reply"],
            thread.pk,
            value,
            texts["send_reply"],
        )
    if abilities.get("resolve_comments"):
        if thread.resolved_at:
            state_url, button = (
                urls.reopen(thread.pk),
                html_format(
                    '<button type="submit" class="btn btn-sm btn-outline-warning">'
                    '<i class="bi bi-arrow-counterclockwise" aria-hidden="true"></i> {}</button>',
                    texts["reopen"],
                ),
            )
        else:
            state_url, button = (
                urls.resolve(thread.pk),
                html_format(
                    '<button type="submit" class="btn btn-sm btn-outline-success">'
                    '<i class="bi bi-check2" aria-hidden="true"></i> {}</button>',
                    texts["mark_resolved"],
                ),
            )
        tools += html_format(
            '<form method="post" action="{}" hx-post="{}" hx-target="#part-{}" hx-swap="outerHTML" '
            'hx-disabled-elt="find button">{}{}{}</form>',
            state_url,
            state_url,
            part.key,
            csrf,
            only_open,
            button,
        )
    return html_format('<div class="d-flex flex-wrap align-items-start gap-2 mt-1 review-thread-tools">{}</div>', tools)


def thread_html(thread, part, context, texts: dict, urls: _PageUrls, csrf: SafeString) -> SafeString:
    """A review thread: its first comment, its replies, its state, and the forms to reply, resolve or reopen."""
    resolved = thread.resolved_at
    if resolved:
        state = html_format(
            '<span class="badge text-bg-success review-state"><i class="bi bi-check2-circle" aria-hidden="true"></i>'
            " {}</span>",
            texts["resolved"],
        )
        resolution = html_format(
            '<p class="small text-body-secondary mb-1">{}</p>',
            # As ``{% blocktranslate %}``: the message as is, the values escaped.
            mark_safe(
                texts["resolved_by"]
                % {
                    "resolver": html_format("{}", _name(thread.resolved_by) if thread.resolved_by else ""),
                    "date": html_format("{}", _when(resolved, "d/m/Y")),
                }
            ),
        )
    else:
        state = html_format(
            '<span class="badge text-bg-warning review-state"><i class="bi bi-chat-dots" aria-hidden="true"></i>'
            " {}</span>",
            texts["open"],
        )
        resolution = ""
    return html_format(
        '<article id="comment-{}" class="review-thread border rounded p-2 mb-2 {}" aria-labelledby="comment-{}-meta">'
        '<div id="comment-{}-meta" class="d-flex flex-wrap justify-content-between gap-1 small">'
        '<span><i class="bi bi-person-circle" aria-hidden="true"></i> <span class="fw-semibold">{}</span>'
        ' · <time datetime="{}">{}</time></span> {}</div>'
        '<div class="preserve-lines mt-1 review-comment-body">{}</div>{}{}{}</article>\n',
        thread.pk,
        "review-thread-resolved bg-body-tertiary" if resolved else "review-thread-open border-warning",
        thread.pk,
        thread.pk,
        _name(thread.author),
        _when(thread.created_at, "c"),
        _when(thread.created_at, "d/m/Y H:i"),
        state,
        thread.body,
        _replies_html(thread, texts),
        resolution,
        _thread_tools(thread, part, context, texts, urls, csrf),
    )


def _threads(part, context, texts: dict, urls: _PageUrls) -> SafeString:
    if not part.threads:
        return html_format(
            '<p class="small text-body-secondary mb-0 review-no-comment">{}</p>',
            texts["no_open_comment"] if context.get("only_open") else texts["no_comment"],
        )
    csrf = _csrf_input(context)
    return mark_safe("".join(thread_html(thread, part, context, texts, urls, csrf) for thread in part.threads))


def _comment_form(part, context, texts: dict, urls: _PageUrls) -> SafeString:
    form = context.get("comment_form")
    value = ""
    if form:
        value = form["body"].value()
        value = "" if value is None else value
    return html_format(
        '<details class="mt-2 review-new-comment"{}>'
        '<summary class="btn btn-sm btn-outline-primary"><i class="bi bi-chat-left-text" aria-hidden="true"></i> {}'
        "</summary>"
        '<form method="post" action="{}" hx-post="{}" hx-target="#part-{}" hx-swap="outerHTML" '
        'hx-disabled-elt="find button" class="mt-2">{}'
        '<input type="hidden" name="anchor" value="{}">{}{}'
        '<label class="form-label small" for="comment-{}">{}</label>'
        '<textarea class="form-control{}" id="comment-{}" name="body" rows="3" maxlength="5000" required>{}</textarea>'
        '<button type="submit" class="btn btn-sm btn-primary mt-2">{}</button></form></details>',
        mark_safe(" open") if form else "",
        texts["comment_on"],
        urls.comment_create,
        urls.comment_create,
        part.key,
        _csrf_input(context),
        part.anchor,
        html_format('<input type="hidden" name="target_id" value="{}">', part.target_id) if part.target_id else "",
        mark_safe('<input type="hidden" name="filtre" value="ouverts">') if context.get("only_open") else "",
        part.key,
        texts["your_comment"],
        mark_safe(" is-invalid") if form and form.errors else "",
        part.key,
        value,
        texts["add_comment"],
    )


def part_html(part, context) -> SafeString:
    """One part of the review page (``workflow.selectors.ReviewPart``) with its threads and, when the
    reader may comment, the form to start one. Reads from the template's ``context``: convention,
    abilities, only_open, csrf_token; after a form, error, done, comment_form (and reply_form, reply_to
    for the threads)."""
    texts = _texts(get_language())
    convention = context.get("convention")
    urls = _urls(context, convention.pk)
    error, done = context.get("error"), context.get("done")
    notice = ""
    if error:
        notice = html_format('<div class="alert alert-danger py-2 my-2" role="alert">{}</div>', error)
    elif done:
        notice = html_format('<div class="alert alert-success py-2 my-2" role="status">{}</div>', done)
    open_badge = ""
    if part.open_count:
        open_badge = html_format(
            '<span class="badge text-bg-warning review-part-open-count">{}</span>',
            # As ``{% blocktranslate count %}``: the message as written, the number escaped.
            mark_safe(ngettext("%(counter)s open", "%(counter)s open", part.open_count) % {"counter": part.open_count}),
        )
    return html_format(
        '<div id="part-{}" class="review-part border rounded p-3 mb-3{}" data-open-count="{}">'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
        '<div role="heading" aria-level="{}" class="fw-semibold review-part-title">{}</div>{}</div>'
        '{}{}<div class="review-threads mt-2">{}</div>{}</div>\n',
        part.key,
        mark_safe(" border-warning-subtle") if part.open_count else "",
        part.open_count,
        4 if part.anchor in (CommentAnchor.FINDING, CommentAnchor.ACTION) else 3,
        _heading(part, texts, urls),
        open_badge,
        _about(part, context, texts, urls),
        notice,
        _threads(part, context, texts, urls),
        _comment_form(part, context, texts, urls) if (context.get("abilities") or {}).get("comment") else "",
    )
