from django.urls import path

from meetings.views import checkin, consultation, documents, evidence, minutes, survey, validation
from meetings.views import meeting as views

app_name = "meetings"

urlpatterns = [
    path("tournee/", views.tour_list, name="tour_list"),
    path("tournee/<slug:slug>/", views.tour_detail, name="tour"),
    path("tournee/<slug:slug>/calendrier.ics", views.tour_feed, name="tour_feed"),
    path("rencontres/<slug:slug>/", views.meeting_detail, name="detail"),
    path("rencontres/<slug:slug>/calendrier.ics", views.meeting_calendar, name="ics"),
    # Staff only: the minutes typed in the meeting room, their autosave and the decisions taken.
    path("rencontres/<slug:slug>/compte-rendu/", minutes.minutes_page, name="minutes"),
    path("rencontres/<slug:slug>/compte-rendu/enregistrer/", minutes.minutes_autosave, name="minutes_autosave"),
    path("rencontres/<slug:slug>/compte-rendu/decisions/", minutes.decision_add, name="minutes_decision_add"),
    path(
        "rencontres/<slug:slug>/compte-rendu/decisions/<int:pk>/",
        minutes.decision_edit,
        name="minutes_decision_edit",
    ),
    path(
        "rencontres/<slug:slug>/compte-rendu/decisions/<int:pk>/supprimer/",
        minutes.decision_delete,
        name="minutes_decision_delete",
    ),
    # The meeting's files: added and removed by staff on the minutes page, read by staff and the region's officials.
    path("rencontres/<slug:slug>/compte-rendu/fichiers/", minutes.evidence_add, name="evidence_add"),
    path(
        "rencontres/<slug:slug>/compte-rendu/fichiers/<int:pk>/supprimer/",
        minutes.evidence_remove,
        name="evidence_remove",
    ),
    path("rencontres/<slug:slug>/fichiers/<int:pk>/", evidence.evidence_download, name="evidence"),
    path("rencontres/<slug:slug>/compte-rendu/pdf/", documents.minutes_pdf, name="minutes_pdf"),
    path(
        "rencontres/<slug:slug>/compte-rendu/pdf/<int:document_id>/",
        documents.minutes_pdf_download,
        name="minutes_pdf_download",
    ),
    # Staff only: the check-in page of the meeting day, what the phones keep and send; its service worker
    # sits at the top of /pointage/ so that it may answer for every meeting's page (its scope).
    path("pointage/service-worker.js", checkin.checkin_worker, name="checkin_worker"),
    path("pointage/<slug:slug>/", checkin.checkin_page, name="checkin"),
    path("pointage/<slug:slug>/inscriptions.json", checkin.checkin_data, name="checkin_data"),
    path("pointage/<slug:slug>/envoi/", checkin.checkin_sync, name="checkin_sync"),
    path("regions/<slug:slug>/calendrier.ics", views.region_feed, name="region_feed"),
    path("suivi/enquete/<str:token>/", survey.survey, name="survey"),
    # The CRT's co-signature of the minutes: staff send a version, the validator answers (link or account).
    path("rencontres/<slug:slug>/compte-rendu/validation/", validation.minutes_validation, name="minutes_validation"),
    path("rencontres/<slug:slug>/compte-rendu/relecture/", validation.minutes_review, name="minutes_review"),
    path("compte-rendu/signature/<str:token>/", validation.minutes_sign, name="minutes_sign"),
]

# The consultation before a meeting: the person's page (personal link), staff's answers, figures and exports.
urlpatterns += [
    path("consultation/<uuid:public_id>/<str:secret>/", consultation.consultation, name="consultation"),
    path(
        "consultation/<uuid:public_id>/<str:secret>/effacer/",
        consultation.consultation_erase,
        name="consultation_erase",
    ),
    path("rencontres/<slug:slug>/consultation/", consultation.consultation_results, name="consultation_results"),
    path(
        "rencontres/<slug:slug>/consultation/export.<str:extension>",
        consultation.consultation_export,
        name="consultation_export",
    ),
    path("consultation/regions/<slug:slug>/", consultation.consultation_region, name="consultation_region"),
]
