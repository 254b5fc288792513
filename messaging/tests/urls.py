"""Test-only stand-ins for URL names other branches provide (registrations, meetings, roadmap).

Remove after the merge, with the `_stand_in_urls` fixture in messaging/tests/conftest.py.
"""

from django.http import HttpResponse
from django.urls import include, path

from onmt_portal.urls import urlpatterns as portal_urlpatterns


def _stand_in(request, *args, **kwargs):
    return HttpResponse("stand-in")


registrations = (
    [
        path("inscription/<slug:slug>/", _stand_in, name="register"),
        path("inscription/gerer/<uuid:public_id>/<str:secret>/", _stand_in, name="manage"),
        path("inscription/accepter/<uuid:public_id>/<str:secret>/", _stand_in, name="accept_offer"),
        path("inscription/decliner/<uuid:public_id>/<str:secret>/", _stand_in, name="decline_offer"),
    ],
    "registrations",
)
meetings = ([path("rencontres/<slug:slug>/", _stand_in, name="detail")], "meetings")
roadmap = ([path("feuille-de-route/<slug:slug>/", _stand_in, name="region")], "roadmap")

urlpatterns = [
    path("", include(registrations)),
    path("", include(meetings)),
    path("", include(roadmap)),
    *portal_urlpatterns,
]
