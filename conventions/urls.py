from django.urls import path

from .views import documents, lifecycle, meetings, pages, review, signing, verification, versions

app_name = "conventions"

urlpatterns = [
    path("", pages.home, name="home"),
    path("conventions/<int:pk>/", pages.convention_detail, name="detail"),
    *lifecycle.urlpatterns,
    *review.urlpatterns,
    *signing.urlpatterns,
    *versions.urlpatterns,
    *documents.urlpatterns,
    *verification.urlpatterns,
    *meetings.urlpatterns,
]
