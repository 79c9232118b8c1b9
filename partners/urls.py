from django.urls import path

app_name = "partners"

urlpatterns: list = [
    # territories and organisations
    # people, invitations and accounts
]
