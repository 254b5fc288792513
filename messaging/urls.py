from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("enquete/<str:token>/", views.survey, name="survey"),
]
