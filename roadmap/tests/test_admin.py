import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.tests.factories import MeetingFactory
from regions.tests.factories import region
from roadmap.models import Acknowledgement, Comment, RoadmapItem, StatusChange
from roadmap.tests.factories import AcknowledgementFactory, CommentFactory, RoadmapItemFactory, market

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:roadmap_roadmapitem_changelist")
IMPORT = reverse("admin:roadmap_roadmapitem_import")


def _change_form_data(response) -> dict:
    """The POST data of an admin change form as the browser would send it back unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "markets":
            data[name] = [market.pk for market in value or []]
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, management[name].value())
        for inline_form in inline.formset.initial_forms:
            data[f"{inline_form.prefix}-id"] = inline_form.instance.pk
            data[f"{inline_form.prefix}-item"] = inline_form.instance.item_id
    return data


@pytest.mark.parametrize(
    "url",
    [CHANGELIST, reverse("admin:roadmap_roadmapitem_add"), reverse("admin:plan_market_changelist"), IMPORT],
)
def test_admin_pages_load(staff_client, url):
    RoadmapItemFactory()
    assert staff_client.get(url).status_code == 200


def test_change_page_shows_read_only_history_and_comments(staff_client):
    item = RoadmapItemFactory()
    StatusChange.objects.create(item=item, to_status="planned", to_progress=10)
    CommentFactory(item=item, body="Remarque du CRT")
    response = staff_client.get(reverse("admin:roadmap_roadmapitem_change", args=[item.pk]))
    body = response.content.decode()
    assert "Remarque du CRT" in body
    history = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is StatusChange)
    assert not history.has_add_permission and not history.has_change_permission


def test_editing_in_the_admin_goes_through_the_service(staff_client, staff_user):
    acknowledgement = AcknowledgementFactory(item__status="planned", item__progress=10)
    item = acknowledgement.item
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    original = CommentFactory(item=item, body="Texte d'origine du CRT")
    data = _change_form_data(staff_client.get(url))
    data.update({"title_fr": "Roadshow élargi au Benelux", "status": "in_progress", "progress": 35})
    data["markets"] = [market("benelux").pk]
    data.update({"comments-TOTAL_FORMS": 2, "comments-1-body": "Périmètre élargi", "comments-1-item": item.pk})
    data["comments-0-body"] = "Texte réécrit par l'ONMT"

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.title, item.status, item.progress, item.revision) == (
        "Roadshow élargi au Benelux",
        "in_progress",
        35,
        2,
    )
    assert list(item.markets.all()) == [market("benelux")]
    line = StatusChange.objects.get(item=item)
    assert (line.changed_by, line.from_status, line.to_status) == (staff_user, "planned", "in_progress")
    assert not Acknowledgement.objects.exists()
    assert Comment.objects.get(item=item, body="Périmètre élargi").author == staff_user
    original.refresh_from_db()
    assert original.body == "Texte d'origine du CRT"


def test_adding_in_the_admin_records_history(staff_client, staff_user):
    meeting = MeetingFactory(region=region(12))
    response = staff_client.post(
        reverse("admin:roadmap_roadmapitem_add"),
        {
            "region": region(12).pk,
            "title_fr": "Accueil d'un congrès médical",
            "axis": "product",
            "product_line": "mice",
            "markets": [market("national").pk],
            "owner": "cnt",
            "priority": 1,
            "status": "planned",
            "progress": 0,
            "meeting": meeting.pk,
            "responsible-TOTAL_FORMS": 0,
            "responsible-INITIAL_FORMS": 0,
            "indicators-TOTAL_FORMS": 0,
            "indicators-INITIAL_FORMS": 0,
            "budget_lines-TOTAL_FORMS": 0,
            "budget_lines-INITIAL_FORMS": 0,
            "history-TOTAL_FORMS": 0,
            "history-INITIAL_FORMS": 0,
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    item = RoadmapItem.objects.get()
    assert (item.meeting, item.owner) == (meeting, "cnt")
    assert StatusChange.objects.get(item=item).changed_by == staff_user


def test_adding_a_meeting_of_another_region_is_a_form_error(staff_client):
    response = staff_client.post(
        reverse("admin:roadmap_roadmapitem_add"),
        {
            "region": region(12).pk,
            "title_fr": "Action",
            "axis": "product",
            "product_line": "mice",
            "owner": "cnt",
            "priority": 1,
            "status": "planned",
            "progress": 0,
            "meeting": MeetingFactory(region=region(9)).pk,
            "responsible-TOTAL_FORMS": 0,
            "responsible-INITIAL_FORMS": 0,
            "indicators-TOTAL_FORMS": 0,
            "indicators-INITIAL_FORMS": 0,
            "budget_lines-TOTAL_FORMS": 0,
            "budget_lines-INITIAL_FORMS": 0,
            "history-TOTAL_FORMS": 0,
            "history-INITIAL_FORMS": 0,
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "autre région" in response.content.decode()
    assert not RoadmapItem.objects.exists()


def test_bulk_status_action_records_history(staff_client, staff_user):
    items = RoadmapItemFactory.create_batch(2, status="planned")
    response = staff_client.post(
        CHANGELIST, {"action": "set_status_done", "_selected_action": [item.pk for item in items]}
    )
    assert response.status_code == 302
    assert set(RoadmapItem.objects.values_list("status", "progress")) == {("done", 100)}
    assert StatusChange.objects.filter(to_status="done", changed_by=staff_user).count() == 2


def test_status_actions_are_named_and_reported_in_the_staff_members_language(staff_client):
    items = RoadmapItemFactory.create_batch(2, status="planned")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Move to status “In progress”" in staff_client.get(CHANGELIST).content.decode()
    response = staff_client.post(
        CHANGELIST, {"action": "set_status_in_progress", "_selected_action": [item.pk for item in items]}, follow=True
    )
    assert "2 actions moved to “In progress”." in response.content.decode()
    del staff_client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert "Passer au statut « En cours »" in staff_client.get(CHANGELIST).content.decode()


def _upload(text: str):
    return SimpleUploadedFile("feuille.csv", text.encode(), content_type="text/csv")


def test_import_page_dry_run_then_import(staff_client):
    meeting = MeetingFactory(region=region(12))
    text = "intitulé;axe;marchés\nRoadshow Allemagne;promotion;Allemagne\nCaravane;domestic;national\n"
    response = staff_client.post(IMPORT, {"meeting": meeting.pk, "file": _upload(text), "dry_run": "on"})
    assert response.status_code == 200
    assert "Simulation réussie : 2 actions" in response.content.decode()
    assert not RoadmapItem.objects.exists()

    response = staff_client.post(IMPORT, {"meeting": meeting.pk, "file": _upload(text)})
    assert response.status_code == 302
    assert f"meeting__id__exact={meeting.pk}" in response["Location"]
    assert set(RoadmapItem.objects.values_list("title", "meeting")) == {
        ("Roadshow Allemagne", meeting.pk),
        ("Caravane", meeting.pk),
    }


def test_import_page_shows_errors_per_line_and_saves_nothing(staff_client):
    meeting = MeetingFactory(region=region(12))
    text = "intitulé;axe\nBonne ligne;promotion\nMauvaise ligne;inconnu\n"
    response = staff_client.post(IMPORT, {"meeting": meeting.pk, "file": _upload(text)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "été enregistré : corrigez les lignes en erreur" in body
    assert "<td>3</td><td>Mauvaise ligne</td>" in body
    assert "inconnu" in body
    assert not RoadmapItem.objects.exists()


def test_import_page_refuses_a_missing_file(staff_client):
    response = staff_client.post(IMPORT, {"meeting": MeetingFactory().pk})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
