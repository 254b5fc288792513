from django.http import HttpResponse
from django.urls import path

# The same 10 KB page as the portal's bare view (onmt_portal.views.BENCH_BARE_PAGE), built the same way.
PAGE = ("<!doctype html><html><body>" + "<p>ONMT tournée régionale.</p>" * 360 + "</body></html>")[:10240]


def bare(request):
    return HttpResponse(PAGE)


urlpatterns = [path("bench/bare/", bare)]
