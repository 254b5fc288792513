from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<slug:slug>/", views.region_detail, name="detail"),
    # The private roadmap of officials is /feuille-de-route/<region>/; this is the public summary.
    path("regions/<slug:slug>/feuille-de-route/", views.roadmap_summary, name="roadmap_summary"),
]
