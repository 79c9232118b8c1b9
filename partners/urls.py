from django.urls import path

from partners.views import accounts, organisations, people, territories

app_name = "partners"

urlpatterns: list = [
    # territories and organisations
    path("territoires/", territories.territory_list, name="territories"),
    path("territoires/<str:siren>/ajouter/", territories.territory_import, name="territory_import"),
    path("organisations/nouvelle/", organisations.organisation_create, name="organisation_create"),
    path("organisations/departement/", organisations.department_organisation, name="department_organisation"),
    path("organisations/<int:organisation_pk>/", organisations.organisation_detail, name="organisation"),
    path(
        "organisations/<int:organisation_pk>/modifier/",
        organisations.organisation_update,
        name="organisation_update",
    ),
    # people, invitations and accounts
    path("equipe/", people.people_home, name="people_home"),
    path("organisations/<int:organisation_pk>/equipe/", people.people, name="people"),
    path(
        "organisations/<int:organisation_pk>/equipe/membres/<int:membership_pk>/retirer/",
        people.people_remove,
        name="people_remove",
    ),
    path(
        "organisations/<int:organisation_pk>/equipe/membres/<int:membership_pk>/referent/",
        people.people_set_referent,
        name="people_set_referent",
    ),
    path(
        "organisations/<int:organisation_pk>/equipe/invitations/<int:invitation_pk>/renvoyer/",
        people.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "organisations/<int:organisation_pk>/equipe/invitations/<int:invitation_pk>/annuler/",
        people.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
]
