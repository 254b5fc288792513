import pytest
from django.urls import reverse

from regions.tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db


def test_home_lists_the_twelve_regions_in_french_and_arabic(client):
    response = client.get(reverse("regions:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dakhla-Oued Ed-Dahab" in body and "الداخلة وادي الذهب" in body
    assert body.count('class="card region-card"') == 12
    assert reverse("regions:detail", args=["souss-massa"]) in body


def test_region_page_and_unknown_region(client):
    response = client.get(reverse("regions:detail", args=["souss-massa"]))
    assert response.status_code == 200
    assert "Agadir" in response.content.decode()
    assert client.get(reverse("regions:detail", args=["atlantide"])).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/regions/region/",
        "/admin/regions/contact/",
        "/admin/regions/regionalcouncil/",
        "/admin/regions/contact/add/",
    ],
)
def test_admin_pages_load_for_staff(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_admin_region_page_shows_council_and_contacts_inlines(staff_client):
    dakhla = region(12)
    response = staff_client.get(f"/admin/regions/region/{dakhla.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dakhla-Oued Ed-Dahab" in body
    assert 'id="council-group"' in body and 'id="contacts-group"' in body


def test_admin_refuses_non_staff(client):
    client.force_login(UserFactory())
    response = client.get("/admin/regions/contact/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_demo_data_command_is_idempotent(settings, tmp_path, django_user_model):
    from django.core.management import call_command

    from meetings.models import AgendaItem, Meeting, Registration
    from messaging.models import OutboundMessage, Reminder
    from regions.models import Contact, RegionalCouncil
    from roadmap.models import Acknowledgement, RoadmapItem, StatusChange

    def snapshot():
        return {
            model.__name__: model.objects.count()
            for model in (
                Meeting,
                AgendaItem,
                Contact,
                RegionalCouncil,
                Registration,
                OutboundMessage,
                Reminder,
                RoadmapItem,
                StatusChange,
                Acknowledgement,
                django_user_model,
            )
        }

    settings.VAR_DIR = tmp_path
    call_command("load_demo_data")
    first = snapshot()
    credentials = (tmp_path / "demo_credentials.txt").read_text()
    call_command("load_demo_data")
    assert snapshot() == first
    assert (tmp_path / "demo_credentials.txt").read_text() == credentials
    assert first["Meeting"] == 24 and first["RegionalCouncil"] == 12 and first["Registration"] == 12
    assert first["OutboundMessage"] >= 12 and first["RoadmapItem"] >= 12 * 6
    assert Meeting.objects.order_by("starts_at").first().region.number == 12
    # Published through the service: each professionals' meeting got the default reminders, drafts none.
    professionals = Meeting.objects.filter(kind=Meeting.Kind.PROFESSIONALS)
    published = professionals.filter(status=Meeting.Status.PUBLISHED)
    assert published.count() >= 2 and professionals.filter(status=Meeting.Status.HELD).exists()
    defaults = {(Reminder.DEFAULT_OFFSET, 0, None), (None, 0, Reminder.DEFAULT_MORNING)}
    for meeting in published:
        assert set(meeting.reminders.values_list("offset", "days_before", "local_time")) == defaults, meeting
    assert not Reminder.objects.filter(meeting__status=Meeting.Status.DRAFT).exists()
    assert not Reminder.objects.filter(meeting__kind=Meeting.Kind.CRT_SESSION).exists()
    # The logins printed on the first run still work after the second one.
    passwords = dict(line.split(" ", 1) for line in credentials.splitlines())
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_staff and admin.check_password(passwords["admin"])
    for username, number in [("crt-dakhla", 12), ("crt-souss", 9), ("crt-marrakech", 7)]:
        official = django_user_model.objects.get(username=username)
        assert official.check_password(passwords[username]) and not official.is_staff
        assert Contact.objects.get(user=official).region.number == number
