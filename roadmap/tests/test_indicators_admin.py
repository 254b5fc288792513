"""Staff edit indicators, readings and budget lines in the admin: through the services, with the stale-edit
protection, recorded in the admin's history, and hostile amounts answered on the form, never with a 500."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from roadmap.models import BudgetLine, Indicator, Reading, RoadmapItem
from roadmap.tests.factories import BudgetLineFactory, IndicatorFactory, ReadingFactory, RoadmapItemFactory
from tests.test_hostile_staff_input import _form_fields

pytestmark = pytest.mark.django_db


def _item_url(item):
    return reverse("admin:roadmap_roadmapitem_change", args=[item.pk])


def _posted(page: str) -> dict:
    """What a browser posts back from the page unchanged: its inputs and each select's chosen option."""
    data = _form_fields(page)
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        if chosen and "__prefix__" not in name:
            data[name] = chosen.group(1)
    return data


def _page_data(client, url) -> dict:
    page = client.get(url)
    assert page.status_code == 200
    return _posted(page.content.decode())


def _new_budget_line(data: dict, **values) -> dict:
    number = int(data["budget_lines-TOTAL_FORMS"])
    data["budget_lines-TOTAL_FORMS"] = str(number + 1)
    return data | {f"budget_lines-{number}-{name}": value for name, value in values.items()}


def test_staff_add_an_indicator_and_a_budget_line_on_the_items_page_and_the_history_says_so(staff_client, staff_user):
    item = RoadmapItemFactory(progress=40, status=RoadmapItem.Status.IN_PROGRESS)
    data = _page_data(staff_client, _item_url(item))
    data = _new_budget_line(data, funder="crt", planned="1250000", committed="400000.50", spent="0")
    data["indicators-TOTAL_FORMS"] = "1"
    data |= {
        "indicators-0-name": "Arrivées",
        "indicators-0-unit": "arrivées",
        "indicators-0-baseline": "100",
        "indicators-0-target": "200",
        "indicators-0-position": "0",
    }

    response = staff_client.post(_item_url(item), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    line = BudgetLine.objects.get(item=item)
    assert (line.funder, line.planned, line.committed) == ("crt", Decimal(1250000), Decimal("400000.50"))
    item.refresh_from_db()
    assert item.progress == 0  # follows the new indicator, which has no reading yet
    change = LogEntry.objects.filter(object_id=str(item.pk)).latest("action_time")
    assert change.user == staff_user
    assert {"added": {"name": "indicateur", "object": "Arrivées (arrivées)"}} in json.loads(change.change_message)
    # Its progress is no longer typed: the page shows it, read only.
    page = staff_client.get(_item_url(item)).content.decode()
    assert 'name="progress"' not in page


def test_a_reading_added_on_the_indicators_page_moves_the_items_progress(staff_client):
    indicator = IndicatorFactory(baseline=0, target=200)
    url = reverse("admin:roadmap_indicator_change", args=[indicator.pk])
    data = _page_data(staff_client, url)
    data |= {"readings-0-measured_on": "15/03/2026", "readings-0-value": "50", "readings-0-source": "Observatoire"}

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Reading.objects.get(indicator=indicator).value == 50
    indicator.item.refresh_from_db()
    assert indicator.item.progress == 25


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12abc", "Saisissez un nombre"),
        ("1e400", "chiffres au total"),
        ("99999999999999999999", "chiffres au total"),
        ("123.456", "chiffres après la virgule"),
        ("-5", "négatifs"),
        ("NaN", "Saisissez un nombre"),
        ("Infinity", "Saisissez un nombre"),
    ],
)
def test_hostile_amounts_are_form_errors_and_nothing_is_saved(staff_client, amount, message):
    line = BudgetLineFactory(planned=Decimal(10))
    url = _item_url(line.item)
    data = _page_data(staff_client, url)
    data["budget_lines-0-planned"] = amount
    data = _new_budget_line(data, funder="cnt", planned="1", committed=amount, spent="0")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    line.refresh_from_db()
    assert line.planned == 10
    assert BudgetLine.objects.count() == 1


@pytest.mark.parametrize("value", ["beaucoup", "1" * 30, "--1"])
def test_a_hostile_reading_value_is_a_form_error(staff_client, value):
    indicator = IndicatorFactory()
    url = reverse("admin:roadmap_indicator_change", args=[indicator.pk])
    data = _page_data(staff_client, url)
    data |= {"readings-0-measured_on": "15/03/2026", "readings-0-value": value, "readings-0-source": "x"}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Reading.objects.exists()


def test_a_budget_line_changed_since_the_page_was_opened_is_refused_then_saved_knowingly(staff_client):
    line = BudgetLineFactory(spent=Decimal(100))
    url = _item_url(line.item)
    data = _page_data(staff_client, url)
    BudgetLine.objects.filter(pk=line.pk).update(spent=Decimal(700))  # somebody else, meanwhile
    data["budget_lines-0-spent"] = "150"

    response = staff_client.post(url, data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "a été modifié par quelqu" in body and "700" in body
    line.refresh_from_db()
    assert line.spent == 700
    # The page now carries the line's current version: saving again, knowingly, goes through.
    again = _posted(body) | {"budget_lines-0-spent": "150"}
    assert staff_client.post(url, again).status_code == 302
    line.refresh_from_db()
    assert line.spent == 150


def test_deleting_a_reading_inline_goes_through_the_service(staff_client):
    reading = ReadingFactory(indicator__baseline=0, indicator__target=100, value=Decimal(100))
    url = reverse("admin:roadmap_indicator_change", args=[reading.indicator.pk])
    data = _page_data(staff_client, url) | {"readings-0-DELETE": "on"}
    assert staff_client.post(url, data).status_code == 302
    assert not Reading.objects.exists()
    assert Indicator.objects.get().item.progress == 0


def test_an_indicator_changed_since_its_page_was_opened_is_refused_then_saved_knowingly(staff_client):
    indicator = IndicatorFactory(target=Decimal(2000))
    url = reverse("admin:roadmap_indicator_change", args=[indicator.pk])
    data = _page_data(staff_client, url)
    Indicator.objects.filter(pk=indicator.pk).update(target=Decimal(2500))
    data["baseline"] = "900"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "a été modifié par quelqu" in response.content.decode()
    indicator.refresh_from_db()
    assert (indicator.baseline, indicator.target) == (Decimal(1000), Decimal(2500))
    again = _posted(response.content.decode()) | {"baseline": "900"}
    assert staff_client.post(url, again).status_code == 302
    indicator.refresh_from_db()
    assert indicator.baseline == 900
