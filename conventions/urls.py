from django.urls import path

from conventions.views import editor, governance, meetings, parties

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
    # parties
    path("conventions/<int:convention_pk>/parties/", parties.party_list, name="parties"),
    path("conventions/<int:convention_pk>/parties/ajouter/", parties.party_add, name="party_add"),
    path("conventions/<int:convention_pk>/parties/<int:party_pk>/modifier/", parties.party_update, name="party_update"),
    path("conventions/<int:convention_pk>/parties/<int:party_pk>/retirer/", parties.party_remove, name="party_remove"),
    path(
        "conventions/<int:convention_pk>/parties/<int:party_pk>/role/",
        parties.party_switch_role,
        name="party_switch_role",
    ),
    path("conventions/<int:convention_pk>/parties/<int:party_pk>/inviter/", parties.party_invite, name="party_invite"),
    path(
        "conventions/<int:convention_pk>/personnes/<int:representative_pk>/modifier/",
        parties.representative_update,
        name="representative_update",
    ),
    # governance
    path("conventions/<int:convention_pk>/gouvernance/", governance.governance, name="governance"),
    path(
        "conventions/<int:convention_pk>/gouvernance/comites/nouveau/",
        governance.body_create,
        name="governance_body_create",
    ),
    path(
        "conventions/<int:convention_pk>/gouvernance/comites/<int:body_pk>/modifier/",
        governance.body_update,
        name="governance_body_update",
    ),
    path(
        "conventions/<int:convention_pk>/gouvernance/comites/<int:body_pk>/supprimer/",
        governance.body_delete,
        name="governance_body_delete",
    ),
    path(
        "conventions/<int:convention_pk>/gouvernance/comites/<int:body_pk>/membres/ajouter/",
        governance.member_add,
        name="governance_member_add",
    ),
    path(
        "conventions/<int:convention_pk>/gouvernance/membres/<int:member_pk>/modifier/",
        governance.member_update,
        name="governance_member_update",
    ),
    path(
        "conventions/<int:convention_pk>/gouvernance/membres/<int:member_pk>/retirer/",
        governance.member_remove,
        name="governance_member_remove",
    ),
    # editor
    path("conventions/<int:convention_pk>/parametres/", editor.convention_settings, name="settings"),
    path("conventions/<int:convention_pk>/articles/", editor.article_list, name="articles"),
    path("conventions/<int:convention_pk>/articles/nouveau/", editor.article_create, name="article_create"),
    path("conventions/<int:convention_pk>/articles/texte-type/", editor.article_add_model, name="article_add_model"),
    path("conventions/<int:convention_pk>/articles/apercu/", editor.article_preview, name="article_preview"),
    path("conventions/<int:convention_pk>/articles/<int:article_pk>/", editor.article_edit, name="article_edit"),
    path(
        "conventions/<int:convention_pk>/articles/<int:article_pk>/deplacer/",
        editor.article_move,
        name="article_move",
    ),
    path(
        "conventions/<int:convention_pk>/articles/<int:article_pk>/supprimer/",
        editor.article_delete,
        name="article_delete",
    ),
    path(
        "conventions/<int:convention_pk>/articles/<int:article_pk>/texte-type/",
        editor.article_reset,
        name="article_reset",
    ),
]
