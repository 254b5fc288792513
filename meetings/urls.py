from django.urls import path

from meetings.views import meeting as views
from meetings.views import survey, validation

app_name = "meetings"

urlpatterns = [
    path("tournee/", views.tour_list, name="tour_list"),
    path("tournee/<slug:slug>/", views.tour_detail, name="tour"),
    path("tournee/<slug:slug>/calendrier.ics", views.tour_feed, name="tour_feed"),
    path("rencontres/<slug:slug>/", views.meeting_detail, name="detail"),
    path("rencontres/<slug:slug>/calendrier.ics", views.meeting_calendar, name="ics"),
    path("regions/<slug:slug>/calendrier.ics", views.region_feed, name="region_feed"),
    path("suivi/enquete/<str:token>/", survey.survey, name="survey"),
    # The CRT's co-signature of the minutes: staff send a version, the validator answers (link or account).
    path("rencontres/<slug:slug>/compte-rendu/validation/", validation.minutes_validation, name="minutes_validation"),
    path("rencontres/<slug:slug>/compte-rendu/relecture/", validation.minutes_review, name="minutes_review"),
    path("compte-rendu/signature/<str:token>/", validation.minutes_sign, name="minutes_sign"),
]
