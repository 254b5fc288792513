import pytest

from api.tests.receiver import receiver_start


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver, server = receiver_start()
    yield receiver
    server.shutdown()
    server.server_close()
