from django.urls import path

from documents.views import centre, verification

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
    # verification
    path("verification/", verification.verify, name="verify"),
]
