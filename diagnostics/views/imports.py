"""Importing indicator values from a CSV file: upload → preview → confirmation.

Between the preview and the confirmation, the rows read from the file wait in the database (a
``StagedImport`` named by a random token, readable only by the user who uploaded the file). Nothing
comes back from the browser but the token; the rows are checked again against the database when the
import is confirmed, and a preview is applied at most once (``services.staged_import_apply``): a
second confirmation, from another tab or a double click, is told « Cet import a déjà été appliqué. »
"""

import csv
import io

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from diagnostics import csv_import, selectors, services
from diagnostics.forms import ImportForm
from diagnostics.indicators import formula_source_for
from diagnostics.models import IndicatorDefinition
from diagnostics.views.common import handles_refusal, scope
from diagnostics.views.page import detail_url
from partners.choices import OrganisationKind

# Rows shown on the preview page; the import itself takes every row.
PREVIEW_ROWS = 1_000


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload past ``max_bytes``, before Django writes it all to a temporary file."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes, self.received, self.exceeded = max_bytes, 0, False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The request announces more than allowed (with room for the form's other fields): stop as the
        # file starts. The fields before it (the CSRF token comes first in the form) are still read.
        if content_length > self.max_bytes + 64 * 1024:
            self.exceeded = True

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.exceeded:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            # The rest of the body is read and thrown away, never stored, so the browser gets our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


# --- Staging ----------------------------------------------------------------------------------------


def _staged(request, current, token: str):
    """The user's staged import of ``token`` for this convention; 404 when unknown or expired."""
    staged = selectors.staged_import_for(diagnostic=current.diagnostic, token=token, user=request.user)
    if staged is None:
        raise Http404(_("This preview has expired. Import the file again."))
    return staged


# --- Pages ------------------------------------------------------------------------------------------


def _importable_indicators():
    return [
        definition
        for definition in IndicatorDefinition.objects.select_related("domain").order_by("code")
        if not formula_source_for(definition)
    ]


@csrf_exempt
def import_upload(request, convention_pk: int):
    """Upload handlers can only change before the CSRF check reads the form: it is done just after."""
    handler = None
    if request.method == "POST":
        handler = SizeLimitUploadHandler(request, max_bytes=csv_import.MAX_BYTES)
        request.upload_handlers.insert(0, handler)
    return _import_upload(request, convention_pk=convention_pk, handler=handler)


@csrf_protect
@require_http_methods(["GET", "POST"])
@handles_refusal
def _import_upload(request, *, convention_pk: int, handler):
    current = scope(request, convention_pk, editing=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if handler is not None and handler.exceeded:
            # The file was never stored: say why instead of "choose a file".
            form.is_valid()
            form.errors["file"] = form.error_class(
                [
                    _("The file is too large: at most %(size)s MB. Split it into several files.")
                    % {"size": csv_import.MAX_BYTES // (1024 * 1024)}
                ]
            )
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                parsed = csv_import.read_indicator_csv(upload)
            except csv_import.CsvImportError as error:
                form.add_error("file", str(error))
            else:
                staged = services.staged_import_create(
                    diagnostic=current.diagnostic, parsed=parsed, filename=upload.name, by=request.user
                )
                return redirect("diagnostics:import_preview", convention_pk=convention_pk, token=staged.token)
    epci = current.convention.epci
    return render(
        request,
        "diagnostics/import_upload.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "form": form,
            "indicators": _importable_indicators(),
            "communes": selectors.communes_of(current.convention),
            "epci": epci,
            "max_rows": csv_import.MAX_ROWS,
            "max_megabytes": csv_import.MAX_BYTES // (1024 * 1024),
        },
    )


@require_http_methods(["GET", "POST"])
@handles_refusal
def import_preview(request, convention_pk: int, token: str):
    current = scope(request, convention_pk, editing=True)
    staged = _staged(request, current, token)
    if staged.applied_at is not None:
        messages.warning(request, str(services.ImportAlreadyApplied()))
        return redirect(detail_url(convention_pk, "indicators"))
    if request.method == "POST":
        try:
            plan = services.staged_import_apply(staged=staged, by=request.user)
        except services.ImportRefused as refusal:
            messages.error(request, str(refusal))
            plan = refusal.plan
        except services.ImportAlreadyApplied as error:
            messages.warning(request, str(error))
            return redirect(detail_url(convention_pk, "indicators"))
        except services.PortalError as error:
            messages.error(request, str(error))
            return redirect("diagnostics:import_preview", convention_pk=convention_pk, token=token)
        else:
            messages.success(
                request,
                _("Import done — values added: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s.")
                % {"created": plan.create_count, "updated": plan.update_count, "unchanged": plan.unchanged_count},
            )
            return redirect(detail_url(convention_pk, "indicators"))
    else:
        rows = [csv_import.RawRow.from_list(row) for row in staged.rows]
        plan = csv_import.plan_indicator_import(
            diagnostic=current.diagnostic, rows=rows, has_comment_column=staged.has_comment_column
        )
    shown = plan.errors if plan.has_errors else plan.rows
    return render(
        request,
        "diagnostics/import_preview.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "plan": plan,
            "rows": [_preview_row(row) for row in shown[:PREVIEW_ROWS]],
            "hidden_rows": max(0, len(shown) - PREVIEW_ROWS),
            "staged": staged,
            "token": token,
            "upload_url": reverse("diagnostics:import_upload", kwargs={"convention_pk": convention_pk}),
        },
    )


def _preview_row(row: csv_import.PlannedRow) -> dict:
    return {
        "line": row.raw.line,
        "action": row.action,
        "errors": row.errors,
        "indicator": row.indicator.label if row.indicator else row.raw.indicator,
        "indicator_code": row.raw.indicator,
        "territory": row.territory.display_name if row.territory else row.raw.territory,
        "territory_code": row.raw.territory,
        "year": row.year if row.year is not None else row.raw.year,
        "value": selectors.format_number(row.value) if row.value is not None else row.raw.value,
        "previous": selectors.format_number(row.previous_value) if row.previous_value is not None else "",
        "comment": row.comment,
    }


@require_GET
def import_template(request, convention_pk: int):
    """An example file for this territory, in the format the import expects (UTF-8 with BOM, « ; »)."""
    current = scope(request, convention_pk, need_diagnostic=False)
    epci = current.convention.epci
    commune = selectors.communes_of(current.convention)[:1]
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow([*csv_import.REQUIRED_COLUMNS, *csv_import.OPTIONAL_COLUMNS])
    writer.writerow(["population", epci.siren, "2023", "42 150", "Recensement de la population"])
    if commune and commune[0].kind == OrganisationKind.COMMUNE:
        writer.writerow(["enfants-moins-3-ans", commune[0].insee_code, "2023", "540", ""])
        writer.writerow(["places-eaje", commune[0].insee_code, "2023", "214,5", ""])
    response = HttpResponse(("\ufeff" + output.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-indicateurs.csv"'
    return response
