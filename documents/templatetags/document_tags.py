"""Template tags of the documents of record."""

from django import template

from documents.version_content import readable_version_content

register = template.Library()


@register.simple_tag
def readable_content(content: dict) -> dict:
    """A version's frozen content ready for ``workflow/versions/_content.html`` (see ``readable_version_content``)."""
    return readable_version_content(content)
