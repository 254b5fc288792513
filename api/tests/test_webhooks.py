"""Webhooks against a real HTTP receiver: each event arrives once, signed; a receiver answering 500 for a while
gets it once it recovers; a replay is recognisable by its key; private addresses are refused; a hook failing
again and again is disabled and staff are told; a region's private changes reach only that region's hooks."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.delivery import webhook_delivery_attempt
from api.models import Webhook, WebhookDelivery
from api.tasks import webhook_deliveries_sweep
from api.tests.receiver import verified
from api.webhooks import webhook_create, webhook_deliveries_resend
from core.generation_watch import watch
from meetings.models import Decision, Meeting
from meetings.services.meeting import meeting_cancel, meeting_publish
from meetings.services.minutes import decision_create
from meetings.services.registration import registration_cancel, registration_create
from meetings.tests.factories import MeetingFactory
from messaging.models import OutboundMessage
from messaging.tests.live import run_in_another_process, wait_for
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(username="hooks-staff", is_staff=True, email="equipe@onmt.ma")


def _due_now():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_each_event_arrives_once_signed(receiver, staff, django_capture_on_commit_callbacks):
    hook = webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published", "meeting.cancelled"])
    meeting = MeetingFactory(status=Meeting.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(meeting=meeting)
    webhook_deliveries_sweep()  # nothing due: nothing sent again
    assert [r.headers["X-ONMT-Event"] for r in receiver.received] == ["meeting.published", "meeting.cancelled"]
    first = verified(hook.secret, receiver.received[0])
    assert first["data"] == first["data"] | {"event": "meeting.published", "meeting": meeting.slug}
    assert first["id"] == receiver.received[0].headers["X-ONMT-Delivery"]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_a_forged_signature_does_not_verify(receiver, staff, django_capture_on_commit_callbacks):
    hook = webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    tampered = receiver.received[0]
    tampered.body = tampered.body.replace(b"published", b"cancelled")
    with pytest.raises(AssertionError):
        verified(hook.secret, tampered)


def test_a_change_rolled_back_sends_nothing(receiver, staff, django_capture_on_commit_callbacks):
    webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published"])
    meeting = MeetingFactory(status=Meeting.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        meeting_publish(meeting=meeting)
        raise RuntimeError("the change fails after the publication")
    assert not WebhookDelivery.objects.exists() and not receiver.received


def test_a_receiver_down_for_a_while_gets_the_delivery_when_it_recovers(
    receiver, staff, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 500, 503]
    webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.response_status == 500
    assert delivery.next_attempt_at > timezone.now()
    webhook_deliveries_sweep()  # its backoff has not ended
    assert len(receiver.received) == 1
    for _attempt in range(3):
        _due_now()
        webhook_deliveries_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
    keys = {r.headers["X-ONMT-Delivery"] for r in receiver.received}
    assert keys == {str(delivery.idempotency_key)}, "every attempt carries the same key"


def test_a_resent_delivery_is_recognisable_by_its_key(receiver, staff, django_capture_on_commit_callbacks):
    webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliveries_resend(deliveries=WebhookDelivery.objects.all())
    first, replay = receiver.received
    assert first.headers["X-ONMT-Delivery"] == replay.headers["X-ONMT-Delivery"]
    assert json.loads(first.body)["id"] == json.loads(replay.body)["id"]


def test_private_addresses_are_refused_unless_allowed(receiver, staff, settings, django_capture_on_commit_callbacks):
    # Registered while allowed (the service checks the address too): each delivery checks it again, since a name
    # may resolve elsewhere by then.
    for url in (receiver.url, "http://localhost:9/x", "http://169.254.169.254/latest/meta-data", "http://10.0.0.7/"):
        webhook_create(user=staff, name=url, url=url, events=["meeting.published"])
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    assert not receiver.received
    failed = WebhookDelivery.objects.all()
    assert failed.count() == 4 and all(d.status == "failed" and "privé" in d.last_error for d in failed)


def test_a_hook_failing_again_and_again_is_disabled_and_staff_told(
    receiver, staff, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.statuses = [500] * 10
    hook = webhook_create(user=staff, name="Tableau du ministère", url=receiver.url, events=["meeting.published"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(4):
            _due_now()
            webhook_deliveries_sweep()
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at is not None
    assert len(receiver.received) == 3, "nothing is posted to a disabled hook"
    notice = OutboundMessage.objects.get(kind=OutboundMessage.Kind.WEBHOOK_DISABLED)
    assert notice.recipient_email == "equipe@onmt.ma" and "Tableau du ministère" in notice.subject


def test_a_regions_private_changes_reach_only_that_regions_hooks(receiver, staff, django_capture_on_commit_callbacks):
    official_a, official_b = OfficialFactory(region=region(12)).user, OfficialFactory(region=region(9)).user
    hook_a = webhook_create(user=official_a, name="CRT A", url=receiver.url + "/a", events=["roadmap_item.changed"])
    webhook_create(user=official_b, name="CRT B", url=receiver.url + "/b", events=["roadmap_item.changed"])
    webhook_create(user=staff, name="ONMT", url=receiver.url + "/onmt", events=["roadmap_item.changed"])
    item = RoadmapItemFactory(region=region(12))
    with django_capture_on_commit_callbacks(execute=True):
        roadmap_item_update(actor=staff, item=item, data={"status": "in_progress", "progress": 40})
    assert sorted(WebhookDelivery.objects.values_list("webhook__name", flat=True)) == ["CRT A", "ONMT"]
    assert len(receiver.received) == 2
    data = verified(hook_a.secret, next(r for r in receiver.received if r.path.endswith("/a")))["data"]
    assert data["item"] == item.pk and data["status"] == "in_progress"


def test_an_attempt_is_made_once_when_called_twice(receiver, staff):
    webhook_create(user=staff, name="CNT", url=receiver.url, events=["meeting.published"])
    meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))  # on-commit callbacks not run
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_attempt(delivery_id=delivery.pk)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.received) == 1


def test_registrations_reach_onmt_hooks_alone_and_decisions_their_regions(
    receiver, staff, django_capture_on_commit_callbacks
):
    official_a, official_b = OfficialFactory(region=region(12)).user, OfficialFactory(region=region(9)).user
    events = ["registration.created", "registration.cancelled", "decision.recorded"]
    onmt = webhook_create(user=staff, name="ONMT", url=receiver.url + "/onmt", events=events)
    crt_hooks = [
        webhook_create(user=official_a, name="CRT A", url=receiver.url + "/a", events=["decision.recorded"]),
        webhook_create(user=official_b, name="CRT B", url=receiver.url + "/b", events=["decision.recorded"]),
    ]
    # Subscribed as a hook made before registration events were refused to CRT accounts, or whose account has
    # left ONMT since: deliveries are still chosen by what the account may know.
    Webhook.objects.filter(pk__in=[hook.pk for hook in crt_hooks]).update(events=events)
    meeting = MeetingFactory(region=region(12), capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(
            meeting_id=meeting.pk,
            full_name="Amina Berrada",
            organisation="Riad Atlas",
            sector="lodging",
            email="amina@example.ma",
            phone="+212612345678",
        ).registration
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration_id=registration.pk)
    with django_capture_on_commit_callbacks(execute=True):
        decision_create(meeting=meeting, agenda_item=None, title="Desserte aérienne", axis=Decision.Axis.MARKETING)

    delivered = sorted(WebhookDelivery.objects.values_list("webhook__name", "event"))
    assert delivered == [
        ("CRT A", "decision.recorded"),
        ("ONMT", "decision.recorded"),
        ("ONMT", "registration.cancelled"),
        ("ONMT", "registration.created"),
    ]
    told_of_registration = next(r for r in receiver.received if r.headers["X-ONMT-Event"] == "registration.created")
    created = verified(onmt.secret, told_of_registration)
    # Who and what status: never the person's name or address, which the API's registrations read logs.
    assert created["data"] == {
        "event": "registration.created",
        "meeting": meeting.slug,
        "registration": str(registration.public_id),
        "status": "confirmed",
        "mode": "in_person",
    }
    assert "Amina" not in json.dumps([json.loads(r.body) for r in receiver.received])


CREATE_HOOK_IN_ANOTHER_PROCESS = """
import django; django.setup()
from django.contrib.auth import get_user_model
from api.webhooks import webhook_create
webhook_create(user=get_user_model().objects.get(username="hooks-staff"), name="Ministère",
               url="http://127.0.0.1:9/hook", events=["registration.created"])
"""


@pytest.mark.django_db(transaction=True)
def test_a_hook_created_by_another_process_gets_the_next_event_without_a_query_before(staff):
    # With no hook subscribed, an event costs this process no query once it knows so; a hook created elsewhere
    # is pushed to it (core.generation_watch), and the next event is delivered.
    meeting = MeetingFactory(capacity=10)
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")

    def register(number: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            registration_create(
                meeting_id=meeting.pk,
                full_name="Pro",
                organisation="Riad",
                sector="lodging",
                email=f"pro{number}@example.ma",
                phone="+212612345678",
            )
        return sum('"api_webhook"' in query["sql"] for query in queries.captured_queries)

    numbers = iter(range(100))
    # Changes announced by earlier tests may still be arriving: soon a registration makes no query of hooks.
    wait_for(lambda: register(next(numbers)) == 0, timeout=5, what="no query of hooks")
    assert not WebhookDelivery.objects.exists()
    # The address is looked up when the hook is made: no DNS in the tests.
    run_in_another_process(CREATE_HOOK_IN_ANOTHER_PROCESS, WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1")
    wait_for(lambda: register(next(numbers)) and WebhookDelivery.objects.exists(), timeout=5, what="the pushed hook")
    assert WebhookDelivery.objects.get().event == "registration.created"
