import datetime
import io

import pytest
from django.utils import translation

from meetings.tests.factories import MeetingFactory
from regions.tests.factories import UserFactory, region
from roadmap.exports import roadmap_csv_write
from roadmap.models import RoadmapItem, StatusChange
from roadmap.selectors import roadmap_items_for_region
from roadmap.services import roadmap_items_import_csv
from roadmap.tests.factories import RoadmapItemFactory, market

pytestmark = pytest.mark.django_db

HEADER = "intitulé;axe;filière;marchés;porteur;priorité;statut;avancement;début;échéance\n"
GOOD = (
    HEADER
    + "Roadshow Allemagne;Promotion sur les marchés internationaux;Sports nautiques;Allemagne, france;ONMT;Haute;"
    "Planifiée;10;2026-03-01;30/06/2026\n" + "Caravane tourisme interne;domestic;seaside;national;crt;2;proposed;;;\n"
)


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def meeting():
    return MeetingFactory(region=region(12))


def test_dry_run_checks_every_line_and_saves_nothing(staff, meeting):
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=GOOD.encode(), dry_run=True)
    assert not report.has_errors
    assert [line.number for line in report.lines] == [2, 3]
    assert report.created == 0
    assert not RoadmapItem.objects.exists()


def test_import_creates_the_items_of_the_meeting_with_history(staff, meeting):
    content = "\ufeff".encode() + GOOD.encode()
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=content, dry_run=False)
    assert report.created == 2
    roadshow = RoadmapItem.objects.get(title="Roadshow Allemagne")
    assert (roadshow.region, roadshow.meeting, roadshow.axis, roadshow.product_line) == (
        region(12),
        meeting,
        "promotion",
        "water_sports",
    )
    assert (roadshow.priority, roadshow.status, roadshow.progress) == (1, "planned", 10)
    assert (roadshow.starts_on, roadshow.due_on) == (datetime.date(2026, 3, 1), datetime.date(2026, 6, 30))
    assert set(roadshow.markets.values_list("slug", flat=True)) == {"allemagne", "france"}
    caravane = RoadmapItem.objects.get(title="Caravane tourisme interne")
    assert (caravane.owner, caravane.priority, caravane.due_on) == ("crt", 2, None)
    assert StatusChange.objects.filter(changed_by=staff).count() == 2


def test_errors_are_reported_per_line_and_nothing_is_saved(staff, meeting):
    RoadmapItemFactory(region=region(12), title="Déjà dans la feuille de route")
    content = (
        HEADER
        + "Ligne correcte;promotion;golf;;onmt;1;planned;0;;\n"
        + "Axe inconnu;tourisme spatial;golf;;onmt;1;planned;0;;\n"
        + "Date fausse;promotion;golf;;onmt;1;planned;0;2026-02-30;\n"
        + "Trop avancé;promotion;golf;;onmt;1;planned;150;;\n"
        + "Marché inconnu;promotion;golf;Atlantide;onmt;1;planned;0;;\n"
        + "Ligne correcte;promotion;golf;;onmt;1;planned;0;;\n"
        + "Déjà dans la feuille de route;promotion;golf;;onmt;1;planned;0;;\n"
        + ";promotion;golf;;onmt;1;planned;0;;\n"
        + "Échéance avant début;promotion;golf;;onmt;1;planned;0;2026-05-01;2026-04-01\n"
    ).encode()
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=content, dry_run=False)
    errors = {line.number: " ".join(line.errors) for line in report.lines}
    assert errors[2] == ""
    assert "axe" in errors[3] and "tourisme spatial" in errors[3]
    assert "début" in errors[4]
    assert "100" in errors[5]
    assert "Atlantide" in errors[6]
    assert "ligne 2" in errors[7]
    assert "existe déjà" in errors[8]
    assert "intitulé" in errors[9]
    assert "échéance" in errors[10].lower()
    assert report.has_errors and report.created == 0
    assert RoadmapItem.objects.count() == 1


def test_a_file_without_the_required_columns_is_refused(staff, meeting):
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=b"title;status\nX;done\n", dry_run=False)
    assert report.has_errors and "intitulé" in report.file_errors[0]
    assert not RoadmapItem.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n",
        b"intitul\xc3\xa9;axe\n",
        b"\xff\xfe\x00\x00binary",
        "intitulé;axe\nA\x00B;promotion\n".encode(),
        b"\x81\x8d\x90 not text",
        "intitulé;axe\n".encode() + b"x" * 200_000 + b";promotion\n",
    ],
    ids=["empty", "blank-lines", "header-only", "binary", "nul", "undecodable", "huge-field"],
)
def test_empty_or_unreadable_files_get_a_message(staff, meeting, content):
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=content, dry_run=False)
    assert report.file_errors
    assert not RoadmapItem.objects.exists()


def test_windows_1252_and_comma_separated_files_are_read(staff, meeting):
    content = "intitulé,axe,marchés\nSalon à Paris,Promotion sur les marchés internationaux,France\n".encode("cp1252")
    report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=content, dry_run=False)
    assert report.created == 1
    assert RoadmapItem.objects.get().title == "Salon à Paris"


def test_an_export_imports_back_into_another_region(staff):
    source = RoadmapItemFactory(
        region=region(12),
        title="-Formule défendue",
        axis=RoadmapItem.Axis.PRODUCT,
        status=RoadmapItem.Status.DONE,
        progress=100,
        due_on=datetime.date(2026, 9, 1),
        markets=[market("france"), market("benelux")],
    )
    stream = io.StringIO()
    roadmap_csv_write(items=roadmap_items_for_region(user=staff, region=region(12)), stream=stream)
    report = roadmap_items_import_csv(
        actor=staff, meeting=MeetingFactory(region=region(9)), content=stream.getvalue().encode(), dry_run=False
    )
    assert report.created == 1, report.lines[0].errors
    copy = RoadmapItem.objects.get(region=region(9))
    assert (copy.title, copy.axis, copy.status, copy.progress, copy.due_on) == (
        source.title,
        source.axis,
        source.status,
        source.progress,
        source.due_on,
    )
    assert set(copy.markets.all()) == {market("france"), market("benelux")}


def test_import_fills_the_french_columns_whatever_the_language_of_the_admin(staff, meeting):
    content = HEADER + "Roadshow Allemagne;promotion;water_sports;;onmt;1;planned;10;;\n"
    with translation.override("en"):
        report = roadmap_items_import_csv(actor=staff, meeting=meeting, content=content.encode(), dry_run=False)
    assert report.created == 1, [line.errors for line in report.lines]
    roadshow = RoadmapItem.objects.get(title_fr="Roadshow Allemagne")
    assert (roadshow.title_ar, roadshow.title_en) == (None, None)
    with translation.override("ar"):
        assert roadshow.title == "Roadshow Allemagne"
