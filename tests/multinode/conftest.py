import pytest

from messaging.tests.conftest import _regions_kept, regions  # noqa: F401 - fixtures of the tests here
from messaging.tests.live import RecordingHandler, SmtpServer
from tests.multinode.cluster import Cluster


@pytest.fixture(scope="module")
def mail():
    """A real SMTP server for the whole module: what the cluster's workers send."""
    handler = RecordingHandler()
    server = SmtpServer(handler)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(django_db_setup, mail):
    """Started once for the module (about 20 s); each test brings its own data in a transactional database."""
    started = Cluster(smtp_port=mail.port)
    try:
        started.start()
        # A second beat, as if started by mistake on another node: nothing may be sent twice.
        started.start_beat()
        yield started
    except BaseException:
        print(started.logs())
        raise
    finally:
        started.stop()
