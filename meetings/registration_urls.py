from django.urls import path

from meetings.views import registration as views

app_name = "registrations"

_link = "<uuid:public_id>/<str:secret>"

urlpatterns = [
    path("confidentialite/", views.privacy, name="privacy"),
    path(f"merci/{_link}/", views.done, name="done"),
    path(f"gerer/{_link}/", views.manage, name="manage"),
    path(f"gerer/{_link}/annuler/", views.cancel, name="cancel"),
    path(f"gerer/{_link}/effacer/", views.erase, name="erase"),
    path(f"gerer/{_link}/participation/", views.switch_mode, name="switch_mode"),
    path("rejoindre/<str:token>/", views.join, name="join"),
    path(f"gerer/{_link}/mes-donnees.json", views.export_data, name="export_data"),
    path(f"place/{_link}/accepter/", views.accept_offer, name="accept_offer"),
    path(f"place/{_link}/refuser/", views.decline_offer, name="decline_offer"),
    path("<slug:slug>/", views.register, name="register"),
]
