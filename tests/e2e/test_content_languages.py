"""A visitor switches to Arabic, then English, and reads the meeting's own texts in that language; on the
Arabic page a French fallback and a Latin name are isolated (bdi) and the French one marked lang="fr"."""

import pytest

from meetings.tests.document_factories import DelegationMemberFactory
from meetings.tests.factories import AgendaItemFactory, MeetingFactory
from regions.tests.factories import region
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_language_shows_the_translated_content_and_isolates_the_rest(live_server, page):
    meeting = MeetingFactory(
        region=region(12),
        title="Rencontre des professionnels de Dakhla",
        title_ar="لقاء مع مهنيي السياحة بالداخلة",
        title_en="Meeting with the tourism professionals of Dakhla",
        description="Le plan de relance et les marchés prioritaires.",
        description_ar="مخطط الإنعاش والأسواق ذات الأولوية.",
        # No English description, no Arabic venue: French shows instead, marked as such.
        venue_name="Palais des congrès",
        venue_name_en="Conference Centre",
    )
    speaker = DelegationMemberFactory(meeting=meeting, full_name="Nadia Benali", organisation="ONMT")
    AgendaItemFactory(
        meeting=meeting,
        title="Plan stratégique de relance",
        title_ar="المخطط الاستراتيجي للإنعاش",
        speaker_member=speaker,
    )

    page.goto(live_server.url + meeting.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text() == "Rencontre des professionnels de Dakhla"

    page.locator(".language-switch a[lang=ar]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", level=1).inner_text() == "لقاء مع مهنيي السياحة بالداخلة"
    assert page.get_by_text("مخطط الإنعاش والأسواق ذات الأولوية.").is_visible()
    assert page.get_by_text("المخطط الاستراتيجي للإنعاش").is_visible()
    # The venue has no Arabic name: the French one, in its own direction and language.
    fallback = page.locator('bdi[lang="fr"]', has_text="Palais des congrès")
    assert fallback.count() == 1 and fallback.evaluate("node => getComputedStyle(node).direction") == "ltr"
    # The speaker's Latin name sits in its own isolate, its parentheses on the right side.
    assert page.locator(".agenda bdi", has_text="Nadia Benali").count() == 1
    assert_accessible(page)

    page.locator(".language-switch a[lang=en]").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Meeting with the tourism professionals of Dakhla"
    assert page.get_by_text("Conference Centre").is_visible()
    description = page.locator('[lang="fr"]', has_text="Le plan de relance et les marchés prioritaires.")
    assert description.count() == 1 and description.is_visible()
    assert_accessible(page)
