"""The coloured status badge every app's template tags draw (convention, fiche, version)."""

from django.utils.html import format_html


def status_badge(css_class: str, icon: str, label) -> str:
    """A badge whose icon repeats the status in a shape, so it never relies on colour alone."""
    return format_html(
        '<span class="badge status-badge {}"><i class="bi bi-{}" aria-hidden="true"></i> {}</span>',
        css_class,
        icon,
        label,
    )
