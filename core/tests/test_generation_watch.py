"""Each process serves its own copies of pages until Redis pushes a change of theirs: tested with another
process making the change, and with the subscription cut."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from core import page_cache
from core.cache import subscription_name
from core.generation_watch import kept_copy, watch
from meetings.models import ConsultationAnswer, Meeting
from meetings.page_scopes import meeting_page_scope
from meetings.tests.factories import MeetingFactory
from messaging.tests.live import run_in_another_process, wait_for

pytestmark = pytest.mark.django_db

ANNOUNCE_FROM_ANOTHER_PROCESS = (
    "import django; django.setup(); from core import page_cache; page_cache.pages_changed(page_cache.PUBLIC_SCOPE)"
)


def page_of(meeting) -> str:
    return Client().get(meeting.get_absolute_url()).content.decode()


def retitle_unannounced(meeting, title: str) -> None:
    # No signal: the pages learn of it only from the announcement the test makes.
    Meeting.objects.filter(pk=meeting.pk).update(title=title)


def test_a_process_serves_its_copy_without_asking_redis_until_another_process_announces_a_change():
    meeting = MeetingFactory(title="Rencontre de Dakhla")  # the meeting page asks for exact figures
    assert "Rencontre de Dakhla" in page_of(meeting)
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")
    assert "Rencontre de Dakhla" in page_of(meeting)  # kept while listening

    cache.clear()
    retitle_unannounced(meeting, "Rencontre de Laâyoune")
    # The shared cache is empty: only this process's own copy can answer.
    assert "Rencontre de Dakhla" in page_of(meeting)

    run_in_another_process(ANNOUNCE_FROM_ANOTHER_PROCESS)
    wait_for(lambda: "Rencontre de Laâyoune" in page_of(meeting), timeout=5, what="the pushed change")


def test_a_process_that_lost_its_subscription_trusts_none_of_the_copies_it_kept_before():
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")
    assert "Rencontre de Dakhla" in page_of(meeting)
    before = watch.marks([])

    # Changes made while it was not listening are never heard: here one with no announcement at all.
    retitle_unannounced(meeting, "Rencontre de Laâyoune")
    cache.clear()
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    killed = 0
    for client in server.client_list(_type="pubsub"):
        if client["name"] == subscription_name():
            killed += server.client_kill_filter(_id=client["id"])
    assert killed == 1
    wait_for(lambda: watch.marks([]) not in (None, before), timeout=10, what="a new subscription")

    assert "Rencontre de Laâyoune" in page_of(meeting)


def test_pages_of_other_scopes_keep_their_copies_when_one_meeting_changes(django_capture_on_commit_callbacks):
    registering, other = MeetingFactory(title="Rencontre de Dakhla"), MeetingFactory(title="Rencontre d'Agadir")
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")
    assert "Rencontre d&#x27;Agadir" in page_of(other)
    cache.clear()
    retitle_unannounced(other, "Rencontre de Tanger")
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.pages_changed(meeting_page_scope(registering.slug))
    # What a registration announces names its meeting alone: the other meeting's page is still this
    # process's copy.
    assert "Rencontre d&#x27;Agadir" in page_of(other)


def test_each_caller_gets_a_copy_it_may_change_without_changing_what_the_process_kept():
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    kept = Meeting.objects.select_related("region").get(pk=meeting.pk)

    copied = kept_copy(kept)
    copied.title = "Rencontre de Laâyoune"
    copied.region.name = "Laâyoune-Sakia El Hamra"

    assert (kept.title, kept.region.name) == ("Rencontre de Dakhla", meeting.region.name)
    assert copied.pk == kept.pk and copied.region.pk == kept.region.pk
    copied.save()  # a copy is a whole instance of the row
    assert Meeting.objects.get(pk=meeting.pk).title == "Rencontre de Laâyoune"

    answer = kept_copy(ConsultationAnswer(meeting=kept, product_lines=["surf"], obstacles=[]))
    answer.product_lines.append("golf")
    changed = kept_copy(answer)
    changed.product_lines.append("désert")
    assert answer.product_lines == ["surf", "golf"]
