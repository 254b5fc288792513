import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.tests.factories import UserFactory, region
from roadmap.models import RoadmapItem
from roadmap.tests.factories import AcknowledgementFactory, CommentFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def test_home_lists_the_twelve_regions_in_french_and_arabic(client):
    response = client.get(reverse("regions:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dakhla-Oued Ed-Dahab" in body and "الداخلة وادي الذهب" in body
    assert body.count('class="card region-card region-card-') == 12
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


def test_demo_data_command_is_idempotent(
    settings, tmp_path, django_user_model, django_capture_on_commit_callbacks, private_media
):
    from django.core.management import call_command
    from django.db.models import Count

    from meetings.models import AgendaItem, Meeting, Minutes, MinutesDocument, Registration, Reminder
    from messaging.models import OutboundMessage
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
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data")
    first = snapshot()
    credentials = (tmp_path / "demo_credentials.txt").read_text()
    call_command("load_demo_data")
    assert snapshot() == first
    assert (tmp_path / "demo_credentials.txt").read_text() == credentials
    # Four stops held (ten registrations each, as check-in left them), six registrations for each of the next two.
    assert first["Meeting"] == 24 and first["RegionalCouncil"] == 12 and first["Registration"] == 4 * 10 + 2 * 6
    assert first["OutboundMessage"] >= 12 and first["RoadmapItem"] >= 4 * 4
    # What the held stops left: their minutes, the first co-signed by its CRT and sent to it as a PDF.
    assert sorted(Minutes.objects.values_list("meeting__region__number", "status")) == [
        (9, "draft"),
        (10, "draft"),
        (11, "submitted"),
        (12, "validated"),
    ]
    assert MinutesDocument.objects.filter(state=MinutesDocument.State.READY).exists()
    assert not Registration.objects.values("phone").annotate(n=Count("pk")).filter(n__gt=1).exists()
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


def _summary_url(number=12):
    return reverse("regions:roadmap_summary", args=[region(number).slug])


def test_region_page_links_to_the_public_roadmap_summary(client):
    body = client.get(reverse("regions:detail", args=["dakhla-oued-ed-dahab"])).content.decode()
    assert f'href="{_summary_url(12)}"' in body
    assert reverse("roadmap:region", args=["dakhla-oued-ed-dahab"]) not in body


def test_roadmap_summary_is_public_and_shows_figures_by_axis(client):
    RoadmapItemFactory.create_batch(
        3, region=region(12), axis=RoadmapItem.Axis.PROMOTION, status=RoadmapItem.Status.DONE, progress=100
    )
    RoadmapItemFactory(region=region(12), axis=RoadmapItem.Axis.PROMOTION, status=RoadmapItem.Status.BLOCKED)
    RoadmapItemFactory(region=region(12), axis=RoadmapItem.Axis.DIGITAL, status=RoadmapItem.Status.PLANNED)

    response = client.get(_summary_url(12))

    assert response.status_code == 200
    body = response.content.decode()
    rows = _summary_table(body)
    # Columns: proposed, planned, in progress, done, blocked, dropped, total, share done.
    assert rows[str(RoadmapItem.Axis.PROMOTION.label)] == ["0", "0", "0", "3", "1", "0", "4", "75 %"]
    assert rows[str(RoadmapItem.Axis.DIGITAL.label)] == ["0", "1", "0", "0", "0", "0", "1", "0 %"]
    assert rows["Ensemble de la feuille de route"] == ["0", "1", "0", "3", "1", "0", "5", "60 %"]
    assert str(RoadmapItem.Axis.MARKETING.label) not in rows
    assert '<caption id="summary-caption">' in body and body.count('<th scope="col">') == 9
    assert "<time datetime=" in body


def _summary_table(body: str) -> dict[str, list[str]]:
    """Row header → its cells: one count per status (in declaration order), the total, the share done."""
    return {
        re.sub(r"<[^>]+>", "", header).strip(): re.findall(r"<td>(.*?)</td>", cells)
        for header, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
    }


def _summary_chart(body: str) -> dict[str, dict]:
    """Bar label → what the chart shows: the figures in words, the share, the segments' (status, offset, width)."""
    chart = {}
    for row in re.findall(r'<li class="chart-row.*?</li>', body, re.S):
        label = re.search(r"<strong>(.*?)</strong>", row).group(1)
        share = re.search(r'class="chart-share">[^<]*?(\d+) %<', row)
        chart[label] = {
            "figures": dict(re.findall(r'class="chart-figure">(.+?) : (\d+)</span>', row)),
            "total": re.search(r'class="chart-total">(\d+) action', row).group(1),
            "share": f"{share.group(1)} %" if share else "—",
            "segments": [
                (status, float(x), float(width))
                for x, width, status in re.findall(
                    r'x="([\d.]+)%" width="([\d.]+)%" height="100%" fill="url\(#chart-(\w+)\)"', row
                )
            ],
        }
    return chart


def test_roadmap_summary_chart_shows_the_tables_figures(client):
    statuses = [status for status in RoadmapItem.Status if status != RoadmapItem.Status.PROPOSED]
    for n, status in enumerate(statuses):
        RoadmapItemFactory.create_batch(n + 1, region=region(12), axis=RoadmapItem.Axis.PROMOTION, status=status)
    RoadmapItemFactory(region=region(12), axis=RoadmapItem.Axis.DIGITAL, status=RoadmapItem.Status.DROPPED)
    RoadmapItemFactory.create_batch(2, region=region(12), axis=RoadmapItem.Axis.MARKETING, status="proposed")

    body = client.get(_summary_url(12)).content.decode()
    table, chart = _summary_table(body), _summary_chart(body)

    assert list(chart) == list(table) and len(chart) == 4
    for label, cells in table.items():
        *counts, total, share = cells
        bar = chart[label]
        assert (bar["total"], bar["share"]) == (total, share)
        shown = {
            str(status.label): str(count)
            for status, count in zip(RoadmapItem.Status, counts, strict=True)
            if count != "0"
        }
        assert bar["figures"] == shown
        # One segment per status shown, in the table's order, as wide as its share of the total, end to end.
        before = 0
        for (status, x, width), (status_label, count) in zip(bar["segments"], shown.items(), strict=True):
            assert str(RoadmapItem.Status(status).label) == status_label
            assert x == pytest.approx(100 * before / int(total), abs=1e-3)
            assert width == pytest.approx(100 * int(count) / int(total), abs=1e-3)
            before += int(count)
        assert before == int(total)
    # An axis whose actions were all dropped has no share done, in the table nor in the chart.
    assert chart[str(RoadmapItem.Axis.DIGITAL.label)]["share"] == "—"


def test_roadmap_summary_shows_no_item_text_and_no_inline_style_or_script(client):
    item = RoadmapItemFactory(
        region=region(12), title="Salon secret ITB-9Z", description="Budget secret DESC-4K", progress=40
    )
    CommentFactory(item=item, body="Avis secret COMMENT-7P")
    AcknowledgementFactory(item=item)

    body = client.get(_summary_url(12)).content.decode()

    for private in ("ITB-9Z", "DESC-4K", "COMMENT-7P", item.acknowledgement.user.username, "40 %"):
        assert private not in body
    assert reverse("roadmap:item", args=[region(12).slug, item.pk]) not in body
    assert " style=" not in body and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", body)
    assert "css/roadmap.css" in body


def test_roadmap_summary_of_an_empty_roadmap_and_of_an_unknown_region(client):
    body = client.get(_summary_url(1)).content.decode()
    assert "Aucune action n'est encore inscrite" in body and "<table" not in body
    assert client.get(reverse("regions:roadmap_summary", args=["atlantide"])).status_code == 404


def test_roadmap_summary_queries_do_not_grow_with_the_items(client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_summary_url(12)).status_code == 200
        return len(captured)

    RoadmapItemFactory(region=region(12))
    few = queries()
    for axis in RoadmapItem.Axis.values:
        for status in RoadmapItem.Status.values:
            RoadmapItemFactory.create_batch(2, region=region(12), axis=axis, status=status)
    assert queries() == few


def test_roadmap_summary_is_not_cached(client):
    """A change to an item shows on the next visit: the page is computed each time."""
    item = RoadmapItemFactory(region=region(12), axis=RoadmapItem.Axis.PROMOTION, status=RoadmapItem.Status.PLANNED)
    assert ">0 %<" in client.get(_summary_url(12)).content.decode()
    # Straight to the table: no signal tells any cache about it.
    RoadmapItem.objects.filter(pk=item.pk).update(status=RoadmapItem.Status.DONE)
    response = client.get(_summary_url(12))
    assert ">100 %<" in response.content.decode()
    assert "max-age" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("language", "heading", "share"),
    [("ar", "تقدّم خارطة الطريق", "نسبة الإنجاز"), ("en", "Roadmap progress", "Share done")],
)
def test_roadmap_summary_speaks_the_visitors_language(client, settings, language, heading, share):
    RoadmapItemFactory(region=region(12))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(_summary_url(12)).content.decode()
    assert f'lang="{language}"' in body and heading in body and share in body
