from django.urls import path

from conventions.views import meetings

app_name = "conventions"

urlpatterns = [
    # meetings
    path("conventions/<int:convention_pk>/reunions/", meetings.meeting_list, name="meetings"),
    path("conventions/<int:convention_pk>/reunions/nouvelle/", meetings.meeting_create, name="meeting_create"),
    path("conventions/<int:convention_pk>/reunions/<int:meeting_pk>/", meetings.meeting_detail, name="meeting"),
    path(
        "conventions/<int:convention_pk>/reunions/<int:meeting_pk>/modifier/",
        meetings.meeting_update,
        name="meeting_update",
    ),
    path(
        "conventions/<int:convention_pk>/reunions/<int:meeting_pk>/compte-rendu/",
        meetings.meeting_record,
        name="meeting_record",
    ),
]
