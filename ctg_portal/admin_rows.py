"""The rows of a large changelist, written once per page instead of once per cell.

Django writes each cell of a changelist through ``lookup_field``, ``display_for_field``, the lazy
translation of the empty value, ``format_html`` and, for the link of each row, a URL reversal and the
parsing of the preserved filters: 0.15 to 0.2 ms a row, the larger part of the processor time of
a list of 50 fiches. Here what is the same for every row is worked out once per page
(each column's tag and classes, which column links to the object, the URL around the primary key) and
each value is formatted once per page by Django's own ``display_for_field`` (a page of fiches repeats
the same statuses, dates and progress figures). The HTML is Django's, byte for byte: the tests compare
both for every large list of the portal.

A list this module does not know how to write keeps Django's path: a column that is an admin method,
a model property or a field reached through ``__``; editable lists (``list_editable``); the pop-up
that picks an object for another form; a changelist whose ``url_for_result`` is overridden.
"""

from collections.abc import Callable

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import display_for_field, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ctg_portal.admin_lists import CHECKBOX_LABEL, LargeListAdmin, checkbox_html

register = template.Library()

# Stands for the primary key in the URL reversed once per page; made of letters, which the admin's
# ``quote`` leaves as they are, and checked to appear exactly once in the URL.
_PK_PLACEHOLDER = "CTGPORTALPK"

Cell = Callable[[models.Model], str]

# Fields whose values Django shows as they are when they have no choices (``display_for_field``):
# exactly these classes, not their subclasses (an ``URLField`` is a link).
_PLAIN_TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.SlugField)


def _links_to_object(is_first: bool, field_name, changelist) -> bool:
    """Whether Django makes this column the link to the object (``items_for_result.link_in_col``)."""
    if changelist.list_display_links is None:
        return False
    if is_first and not changelist.list_display_links:
        return True
    return field_name in changelist.list_display_links


def _object_url(changelist) -> Callable[[models.Model], str] | None:
    """The escaped URL of each row's change page, preserved filters included: reversed once."""
    opts = changelist.opts
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=(_PK_PLACEHOLDER,),
        current_app=changelist.model_admin.admin_site.name,
    )
    url = add_preserved_filters({"preserved_filters": changelist.preserved_filters, "opts": opts}, url)
    if url.count(_PK_PLACEHOLDER) != 1:
        return None
    before, _, after = (str(escape(part)) for part in url.partition(_PK_PLACEHOLDER))
    pk_attname = changelist.pk_attname
    return lambda row: before + escape(quote(getattr(row, pk_attname))) + after


def _field_content(field: models.Field, empty_value_display: str, avoid_link: bool) -> Cell:
    """A concrete field's cell content, as Django's ``items_for_result`` writes it, each distinct value
    formatted once."""
    empty_html = conditional_escape(empty_value_display)
    if isinstance(field.remote_field, models.ManyToOneRel):
        name = field.name

        def related_content(row):
            try:
                related = getattr(row, name)
            except ObjectDoesNotExist:
                return empty_html
            return empty_html if related is None else conditional_escape(related)

        return related_content

    attname = field.attname
    if type(field) in _PLAIN_TEXT_FIELDS and not field.flatchoices:

        def text_content(row):
            value = getattr(row, attname)
            if value is None or (isinstance(value, str) and value.strip() == ""):
                return empty_html
            return escape(value)

        return text_content

    formatted: dict[object, str] = {}

    def format_value(value):
        return conditional_escape(display_for_field(value, field, empty_value_display, avoid_link=avoid_link))

    def content(row):
        value = getattr(row, attname)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        try:
            return formatted[value]
        except KeyError:
            html = formatted[value] = format_value(value)
        except TypeError:  # a value that cannot be a key (a list of an ArrayField)
            html = format_value(value)
        return html

    return content


def _checkbox(model_admin) -> Cell:
    """Each row's checkbox, its label translated once per page."""
    if type(model_admin).action_checkbox is not LargeListAdmin.action_checkbox:
        return model_admin.action_checkbox
    label = gettext(CHECKBOX_LABEL)
    return lambda row: checkbox_html(row.pk, label.format(escape(row)))


def _cell(tag: str, classes: str, content: Cell, url: Callable[[models.Model], str] | None) -> Cell:
    opening, closing = f'<{tag} class="{classes}">', f"</{tag}>"
    if url is None:
        return lambda row: opening + content(row) + closing
    return lambda row: f'{opening}<a href="{url(row)}">{content(row)}</a>{closing}'


def row_writer(changelist) -> Callable[[models.Model], str] | None:
    """A function writing one row of ``changelist`` as Django does, or ``None`` where Django's path
    must stay (see the module's docstring)."""
    model_admin = changelist.model_admin
    if getattr(changelist, "formset", None) is not None or changelist.is_popup:
        return None
    if type(changelist).url_for_result is not ChangeList.url_for_result:
        return None
    empty_value_display = model_admin.get_empty_value_display()
    cells: list[Cell] = []
    object_url = None
    first = True
    for field_name in changelist.list_display:
        links = _links_to_object(first, field_name, changelist)
        if field_name == "action_checkbox":
            tag, classes, content = "td", "action-checkbox", _checkbox(model_admin)
        else:
            if not isinstance(field_name, str) or "__" in field_name:
                return None
            try:
                field = changelist.lookup_opts.get_field(field_name)
            except FieldDoesNotExist:
                return None
            if field.name != field_name or field.auto_created or not field.concrete or field.many_to_many:
                return None
            if isinstance(field, models.JSONField):  # values Django may have to make hashable
                return None
            classes = f"field-{field_name}"
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes += " nowrap"
            tag, content = "td", _field_content(field, empty_value_display, avoid_link=links)
        url = None
        if links:
            tag = "th" if first else "td"
            first = False
            url = object_url = object_url or _object_url(changelist)
            if url is None:
                return None
        cells.append(_cell(tag, classes, content, url))
    return lambda row: "".join(cell(row) for cell in cells)


def large_result_list(changelist):
    """``admin_list.result_list``'s context, each row one ready-made item."""
    write_row = row_writer(changelist)
    if write_row is None:
        return admin_list.result_list(changelist)
    headers = list(admin_list.result_headers(changelist))
    return {
        "cl": changelist,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": [admin_list.ResultList(None, [mark_safe(write_row(row))]) for row in changelist.result_list],
    }


@register.tag(name="large_result_list")
def large_result_list_tag(parser, token):
    """``{% result_list cl %}`` of ``admin/large_change_list.html``: the same template, rows written here."""
    return InclusionAdminNode(
        parser, token, func=large_result_list, template_name="change_list_results.html", takes_context=False
    )
