from django.urls import path

from .views import lifecycle, pages, review, signing, versions

app_name = "conventions"

urlpatterns = [
    path("", pages.home, name="home"),
    path("conventions/<int:pk>/", pages.convention_detail, name="detail"),
    *lifecycle.urlpatterns,
    *review.urlpatterns,
    *signing.urlpatterns,
    *versions.urlpatterns,
]
