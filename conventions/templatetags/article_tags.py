"""The articles' text on pages: ``{{ article.body|article_html:convention }}``.

Every page that shows an article's body goes through this filter, so the text reads the same
everywhere (``conventions.markup``): Markdown rendered and sanitised, placeholders filled from the
convention while it is drafted. The argument may be the convention (its values are computed once per
convention object), the values themselves (a dict from ``markup.placeholder_values``), or nothing for
a text whose placeholders are already written in (a frozen version's).
"""

from django import template
from django.utils.safestring import SafeString

from conventions import markup

register = template.Library()


@register.filter
def article_html(body: str, source=None) -> SafeString:
    if isinstance(source, dict):
        return markup.article_html(body, values=source)
    return markup.article_html(body, convention=source or None)
