from django.contrib import admin
from django.urls import include, path

from onmt_portal import views

admin.site.site_header = "ONMT — Tournée régionale"
admin.site.site_title = "ONMT Tournée"
admin.site.index_title = "Planification de la tournée"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("comptes/", include("django.contrib.auth.urls")),
    path("suivi/", include("messaging.urls")),
    path("", include("regions.urls")),
]
