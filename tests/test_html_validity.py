"""Every public page, in French, Arabic and English, is valid HTML for the Nu HTML Checker (vnu).

The pages are written to a folder and checked by one run of vnu (one JVM start for all of them).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.test.signals import template_rendered

from tests.public_pages import LANGUAGES, STANDALONE_ERROR_PAGES, page_html, public_pages, public_world
from tests.test_permission_matrix import ANONYMOUS, PROFESSIONAL, SITE

pytestmark = pytest.mark.django_db

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Answers of a public URL that are not pages: health, calendar files, the person's data as JSON, the
# check-in page's service worker (a script), the API's JSON (its documentation page is a page).
NOT_PAGES = {
    "health",
    "api:schema",
    "api:tours",
    "api:tour",
    "api:meetings",
    "api:meeting",
    "api:regions",
    "api:region",
    "api:region_roadmap_summary",
    "meetings:tour_feed",
    "meetings:ics",
    "meetings:region_feed",
    "registrations:export_data",
    "meetings:checkin_worker",
}
# Public though the matrix gives its link only to official A: a personal link that asks for no login.
LINKS_WITHOUT_LOGIN = {"meetings:minutes_sign"}
# Page templates that only a logged-in official or staff member is shown.
PAGES_BEHIND_LOGIN = {
    "403.html",
    "meetings/checkin.html",
    "meetings/consultation_results.html",
    "meetings/minutes.html",
    "meetings/minutes_pdf_status.html",
    "meetings/minutes_validation.html",
    "roadmap/item_detail.html",
    "roadmap/no_region.html",
    "roadmap/notification_profile.html",
    "roadmap/overview.html",
    "roadmap/proposals.html",
    "roadmap/region_roadmap.html",
    "roadmap/task_force.html",
}
# Public though the matrix sees it redirect (to the tour under way): between two tours it is a page.
PAGES_BETWEEN_TOURS = {"meetings:tour_list"}


def public_page_keys() -> set[str]:
    """The URLs of the permission matrix that somebody without an account is shown a page at."""
    public = {key for key, case in SITE.items() if 200 in (case.expect[ANONYMOUS], case.expect[PROFESSIONAL])}
    return (public | LINKS_WITHOUT_LOGIN | PAGES_BETWEEN_TOURS) - NOT_PAGES


def test_every_public_page_is_checked():
    """A new public URL in the permission matrix needs its page(s) in tests/public_pages.py."""
    checked = {page.key for page in public_pages(public_world())}
    missing = public_page_keys() - checked
    assert not missing, f"public pages the HTML and accessibility checks do not visit: {sorted(missing)}"
    unknown = {key for key in checked if not key.startswith("error:")} - set(SITE)
    assert not unknown, f"pages checked under a key the permission matrix does not know: {sorted(unknown)}"


def test_every_page_template_is_checked():
    """A template of a whole page (extending base.html) is either shown by a public page here, or behind a login."""
    rendered = set()

    def record(sender, template, **kwargs):
        rendered.add(template.name)

    client = Client()
    template_rendered.connect(record)
    try:
        for page in public_pages(public_world()):
            page_html(client, page)
    finally:
        template_rendered.disconnect(record)
    templates = Path(settings.BASE_DIR) / "templates"
    pages = {
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if '{% extends "base.html" %}' in path.read_text(encoding="utf-8")
    }
    unchecked = pages - rendered - PAGES_BEHIND_LOGIN
    assert not unchecked, (
        f"page templates no public page shows (add the page, or list it as behind a login): {unchecked}"
    )
    assert not PAGES_BEHIND_LOGIN & rendered, "a template listed as behind a login is shown to the public"


def vnu_errors(files: list[Path]) -> list[dict]:
    """The errors vnu finds in `files`, each with the file's URL, its line and its message."""
    java = shutil.which("java")
    assert java, "Java is missing: make test installs it (scripts/install-test-deps)"
    assert VNU.exists(), f"{VNU} is missing: make test installs it (npm ci, package.json)"
    options = ["--format", "json", "--errors-only", "--exit-zero-always", "--stdout"]
    result = subprocess.run(
        [java, "-jar", str(VNU), *options, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)["messages"]


def test_every_public_page_is_valid_html(tmp_path):
    world = public_world()
    files = {}
    for language in LANGUAGES:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for number, page in enumerate(public_pages(world)):
            path = tmp_path / f"{language}-{number:02d}.html"
            path.write_text(page_html(client, page), encoding="utf-8")
            files[path] = f"{page.name} [{language}] {page.path}"
    for template in STANDALONE_ERROR_PAGES:
        path = tmp_path / template
        path.write_text(render_to_string(template), encoding="utf-8")
        files[path] = template

    # vnu names each file by a URL of its own, "file:/tmp/…".
    names = {f"file:{path}": name for path, name in files.items()}
    described = [
        f"{names.get(error.get('url'), error.get('url'))}, line {error.get('lastLine')}: {error['message']}"
        f" — {error.get('extract', '').strip()!r}"
        for error in vnu_errors(list(files))
    ]
    assert not described, f"{len(described)} HTML errors:\n" + "\n".join(described)


def test_the_checker_finds_an_error(tmp_path):
    """Negative control: a page vnu must refuse is refused, so an empty list of errors means something."""
    page = tmp_path / "invalide.html"
    page.write_text('<!doctype html><html lang="fr"><title>x</title><p><div></div></p></html>', encoding="utf-8")
    errors = vnu_errors([page])
    assert [error["message"] for error in errors] == ["No “p” element in scope but a “p” end tag seen."]
