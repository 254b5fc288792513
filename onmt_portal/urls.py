from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from meetings.views import meeting as meeting_views
from onmt_portal import metrics, views
from onmt_portal.password_reset import PasswordResetRequestForm
from roadmap import views as roadmap_views

admin.site.site_header = _("ONMT — Tournée régionale")
admin.site.site_title = _("ONMT Tournée")
admin.site.index_title = _("Planification de la tournée")
# The first page staff see: what needs attention across the tour (onmt_portal/dashboard.py).
admin.site.index_template = "admin/dashboard.html"

# The public pages of the regions show what several apps hold: they are wired here, under one namespace.
region_pages = [
    path("", views.home, name="home"),
    path("regions/<slug:slug>/", meeting_views.region_detail, name="detail"),
    # The private roadmap of officials is /feuille-de-route/<region>/; this is the public summary.
    path("regions/<slug:slug>/feuille-de-route/", roadmap_views.roadmap_summary, name="roadmap_summary"),
]

urlpatterns = [
    # The public pages first: the most requested, found without trying every other pattern before them.
    path("", include((region_pages, "regions"))),
    path("", include("meetings.urls")),
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
    path("metrics", metrics.metrics, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page says; not permanent: the icon's static name has its hash.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg")), name="favicon"),
    path("langue/", views.language_switch, name="language_switch"),
    # Ahead of Django's own (same path and name): the request only queues the e-mail, for any address.
    path(
        "comptes/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("comptes/", include("django.contrib.auth.urls")),
    path("feuille-de-route/", include("roadmap.urls")),
    path("inscriptions/", include("meetings.registration_urls")),
    path("desabonnement/", include("messaging.urls")),
    path("api/", include("api.urls")),
]

if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.insert(0, path("bench/bare/", views.bench_bare))
