from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from onmt_portal import views
from onmt_portal.password_reset import PasswordResetRequestForm

admin.site.site_header = _("ONMT — Tournée régionale")
admin.site.site_title = _("ONMT Tournée")
admin.site.index_title = _("Planification de la tournée")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
    path("langue/", views.language_switch, name="language_switch"),
    # Ahead of Django's own (same path and name): the request only queues the e-mail, for any address.
    path(
        "comptes/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("comptes/", include("django.contrib.auth.urls")),
    path("feuille-de-route/", include("roadmap.urls")),
    path("", include("meetings.urls")),
    path("inscriptions/", include("meetings.registration_urls")),
    path("suivi/", include("messaging.urls")),
    path("", include("regions.urls")),
]

if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.insert(0, path("bench/bare/", views.bench_bare))
