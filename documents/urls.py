from django.urls import path

from documents.views import centre, reports, verification

app_name = "documents"

urlpatterns = [
    # centre
    path("conventions/<int:convention_pk>/documents/", centre.documents, name="documents"),
    path("conventions/<int:convention_pk>/documents/generer/", centre.document_generate, name="document_generate"),
    path(
        "conventions/<int:convention_pk>/documents/<int:doc_pk>/etat/", centre.document_status, name="document_status"
    ),
    path(
        "conventions/<int:convention_pk>/documents/<int:doc_pk>/relancer/", centre.document_retry, name="document_retry"
    ),
    path(
        "conventions/<int:convention_pk>/documents/<int:doc_pk>/telecharger/",
        centre.document_download,
        name="document_download",
    ),
    # a committee's approval of a meeting's report
    path(
        "conventions/<int:convention_pk>/reunions/<int:meeting_pk>/valider-le-compte-rendu/",
        reports.meeting_report_approve,
        name="meeting_report_approve",
    ),
    # verification
    path("verification/", verification.verify, name="verify"),
]
