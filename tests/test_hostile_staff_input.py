"""Hostile input on the staff side, on PostgreSQL: every admin add and change form, every changelist's search
and filters, the roadmap CSV import. Never a 500, never unescaped markup, nothing written by a refused import."""

import codecs
import re
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from meetings.tests.factories import MeetingFactory
from roadmap.models import RoadmapItem
from roadmap.tests.factories import RoadmapItemFactory, market
from tests.test_admin_pages import some_rows  # noqa: F401 - a row of every model the admin shows
from tests.test_hostile_input import EXAMPLES, _assert_escaped, _no_server_error, hostile_text

pytestmark = pytest.mark.django_db

MODELS = sorted(model._meta.label_lower for model in admin.site._registry)
# What an admin form page offers to type into: text inputs and text areas, by name.
TYPED = re.compile(r'<(?:input type="(?:text|email|url|number)"|textarea)[^>]* name="([^"]+)"')


def _form_fields(page: str) -> dict[str, str]:
    """Every named field of the page's main form with its current value, as a browser would post it."""
    values = dict(re.findall(r'<input type="(?:hidden|text|email|url|number)" name="([^"]+)" value="([^"]*)"', page))
    values |= {name: "" for name in TYPED.findall(page) if name not in values}
    values |= dict(re.findall(r'<select name="([^"]+)"[^>]*>\s*<option value="([^"]*)" selected', page))
    return {name: value for name, value in values.items() if "__prefix__" not in name}


@pytest.mark.parametrize("model", MODELS)
@EXAMPLES
@given(value=hostile_text)
def test_every_admin_changelist_search_and_filter_survives_hostile_values(staff_client, some_rows, model, value):  # noqa: F811
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    for query in ({"q": value}, {"status": value, "o": value}, {"meeting__id__exact": value, "p": value}):
        response = _no_server_error(staff_client.get(f"{url}?{urlencode(query)}"))
        assert response.status_code in (200, 302, 400)
        _assert_escaped(response.content.decode(), value)


@pytest.mark.parametrize("model", MODELS)
@EXAMPLES
@given(value=hostile_text)
def test_every_admin_add_and_change_form_survives_hostile_values(staff_client, some_rows, model, value):  # noqa: F811
    app_label, model_name = model.split(".")
    model_class = next(m for m in admin.site._registry if m._meta.label_lower == model)
    row = model_class._default_manager.order_by("pk").first()
    before = model_class._default_manager.count()
    urls = [reverse(f"admin:{app_label}_{model_name}_add")]
    urls += [reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk])] if row is not None else []
    for url in urls:
        page = staff_client.get(url)
        if page.status_code != 200:
            continue  # a page this admin does not offer (403): nothing to type into
        data = _form_fields(page.content.decode())
        data |= dict.fromkeys(TYPED.findall(page.content.decode()), value)
        response = _no_server_error(staff_client.post(url, data))
        assert response.status_code in (200, 302, 400, 403)
        _assert_escaped(response.content.decode(), value)
    # A refused form writes nothing: at most the one row an accepted add form creates.
    assert model_class._default_manager.count() in (before, before + 1)


def _import(client, content: bytes, *, dry_run: bool):
    meeting = MeetingFactory()
    upload = SimpleUploadedFile("actions.csv", content, content_type="text/csv")
    data = {"meeting": meeting.pk, "file": upload, **({"dry_run": "on"} if dry_run else {})}
    return _no_server_error(client.post(reverse("admin:roadmap_roadmapitem_import"), data))


GOOD_HEADER = "titre;axe;statut\n"
FILES = {
    "empty": b"",
    "binary": bytes(range(256)) * 8,
    "UTF-16": codecs.BOM_UTF16_LE + (GOOD_HEADER + "Campagne;promotion;planned\n").encode("utf-16-le"),
    "Latin-1": (GOOD_HEADER + "Campagne été à Dakhla;promotion;planned\n").encode("latin-1"),
    "20,000 lines": (GOOD_HEADER + "Campagne;promotion;planned\n" * 20_000).encode(),
    "formula cells": (GOOD_HEADER + '=HYPERLINK("http://evil.example");promotion;planned\n').encode(),
    "NUL bytes": (GOOD_HEADER + "Camp\x00agne;promotion;planned\n").encode(),
    "markup": (GOOD_HEADER + "<script>alert('xss')</script>;promotion;planned\n").encode(),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_roadmap_import_survives_hostile_files_and_a_refused_one_writes_nothing(staff_client, name):
    before = RoadmapItem.objects.count()
    response = _import(staff_client, FILES[name], dry_run=False)
    assert response.status_code in (200, 302, 400)
    _assert_escaped(response.content.decode(), "<script>alert('xss')</script>")
    if response.status_code == 400:
        assert RoadmapItem.objects.count() == before


@EXAMPLES
@given(
    content=st.binary(max_size=2000) | hostile_text.map(lambda text: (GOOD_HEADER + text).encode("utf-8", "replace"))
)
def test_the_roadmap_import_survives_any_bytes(staff_client, content):
    before = RoadmapItem.objects.count()
    response = _import(staff_client, content, dry_run=False)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 400:
        assert RoadmapItem.objects.count() == before


@EXAMPLES
@given(
    name=st.sampled_from(["region", "axis", "status", "owner", "overdue", "group"]),
    value=hostile_text,
    task_force=st.sampled_from(["produit", "marches"]),
)
def test_task_force_filters_and_exports_survive_hostile_values(staff_client, name, value, task_force):
    RoadmapItemFactory(product_line="golf", markets=[market("france")])
    for url in (
        reverse("roadmap:task_force", args=[task_force]),
        reverse("roadmap:task_force_export", args=[task_force, "csv"]),
        reverse("roadmap:task_force_export", args=[task_force, "xlsx"]),
    ):
        response = _no_server_error(staff_client.get(url, {name: value}))
        assert response.status_code == 200
        if url.endswith("/"):
            _assert_escaped(response.content.decode(), value)
